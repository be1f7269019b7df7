package dev.nightmare.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

/** How long a submission with {@code Prefer: wait} may hold its answer, and how many may at once. */
@ConfigMapping(prefix = "nightmare.wait")
public interface WaitConfig {
    /** The longest wait granted; {@code Prefer: wait} alone asks for this, {@code wait=N} for less. */
    @WithDefault("PT60S")
    Duration max();

    /** Submissions waiting at once on this replica (each holds a request thread; the pool has 200); beyond it a submission answers at once (202). */
    @WithName("max-waiting")
    @WithDefault("64")
    int maxWaiting();
}
