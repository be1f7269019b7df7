package dev.nightmare.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/** Where the worker fetches models ({@code nightmare.model-store.*}). */
@ConfigMapping(prefix = "nightmare.model-store")
public interface ModelStoreConfig {
    /** Base URL, e.g. {@code http://model-store:8080}. */
    String url();

    /** Bearer service token; none when the model-store runs without authentication. */
    Optional<String> token();

    /** Connect and per-request timeout (downloads stream, so this bounds stalls, not size). */
    @WithDefault("PT10S")
    Duration timeout();

    /** Largest weights file accepted. */
    @WithName("max-bytes")
    @WithDefault("2147483648")
    long maxBytes();
}
