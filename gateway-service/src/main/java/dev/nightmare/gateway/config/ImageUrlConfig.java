package dev.nightmare.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Images by URL: fetched by the gateway only from allow-listed hosts; without a list, off. */
@ConfigMapping(prefix = "nightmare.image-urls")
public interface ImageUrlConfig {
    /** Hosts ({@code host} or {@code host:port}) images may be fetched from; absent: URL input is off. */
    @WithName("allowed-hosts")
    Optional<List<String>> allowedHosts();

    /** The whole fetch, redirects and body included, must end within this. */
    @WithDefault("PT10S")
    Duration timeout();

    /** Redirects followed, each re-checked against the list. */
    @WithName("max-redirects")
    @WithDefault("3")
    int maxRedirects();
}
