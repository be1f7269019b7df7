package dev.nightmare.contracts;

import java.time.Instant;

/** Valid sample contract values for tests. */
final class Samples {
    static final String JOB_ID = "0123456789abcdef0123456789abcdef";
    static final String SHA = "a".repeat(64);
    static final Instant T0 = Instant.parse("2025-11-26T10:00:00.123Z");

    private Samples() {}

    static JobOptions options() {
        return new JobOptions(
                        "vgg-conv",
                        10,
                        2,
                        3,
                        3,
                        null,
                        0.01f,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        42L,
                        null,
                        "png",
                        null)
                .resolve(0, 1024);
    }

    static JobRequest request() {
        return new JobRequest(
                JobRequest.SCHEMA_VERSION,
                JOB_ID,
                JobIds.owner("bot-1"),
                options(),
                SHA,
                JobKeys.input(JOB_ID),
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
