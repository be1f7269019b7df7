package dev.nightmare.contracts;

import dev.nightmare.engine.dream.AdmissionRule;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * The one admission rule's settings, {@code nightmare.admission.*}, read by the gateway (refusing
 * at submission) and by every worker (refusing what it cannot run) with the same names and
 * defaults (the engine's {@link AdmissionRule#DEFAULT}).
 */
@ConfigMapping(prefix = "nightmare.admission")
public interface AdmissionConfig {
    /** A job's arithmetic over all its rounds, in GFLOP: 2,000,000 = 2 PFLOP. */
    @WithName("max-job-gflop")
    @WithDefault("2000000")
    long maxJobGflop();

    /** The memory one iteration's buffers may take on a worker, in bytes: 1.5 GiB. */
    @WithName("max-iteration-memory-bytes")
    @WithDefault("1610612736")
    long maxIterationMemoryBytes();

    default AdmissionRule rule() {
        return new AdmissionRule(maxJobGflop() * 1_000_000_000L, maxIterationMemoryBytes());
    }
}
