package dev.nightmare.contracts;

import dev.nightmare.contracts.testing.SampleJobs;
import java.time.Instant;

/** Valid sample contract values for this module's tests. */
final class Samples {
    static final String JOB_ID = "0123456789abcdef0123456789abcdef";
    static final String SHA = "a".repeat(64);
    static final Instant T0 = Instant.parse("2025-11-26T10:00:00.123Z");

    private Samples() {}

    static JobOptions options() {
        return SampleJobs.options("vgg-conv", 10)
                .rounds(2)
                .iters(3)
                .range(3)
                .rate(0.01f)
                .resolved(1024);
    }

    static JobRequest request() {
        return SampleJobs.request(
                JOB_ID,
                JobIds.owner("bot-1"),
                options(),
                SHA,
                256,
                192,
                T0,
                T0.plusSeconds(3600),
                "https://bot.example/hook");
    }

    static RunDetails run() {
        return new RunDetails("0.1.0", "reference", "cpu (2 threads)", "seeded", 42, "vgg-conv", SHA);
    }

    static JobStatus status() {
        return JobStatus.started(JOB_ID, "worker-a", "attempt-1", 1, 2, 3, 0, run(), T0)
                .afterRound(0, 1234, T0.plusSeconds(2));
    }
}
