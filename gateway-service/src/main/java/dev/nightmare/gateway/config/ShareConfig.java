package dev.nightmare.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/**
 * Shareable round URLs: absolute links on the gateway's public address that work without the API
 * key until they expire, signed with the replicas' shared {@code nightmare.jobs.id-secret}.
 */
@ConfigMapping(prefix = "nightmare.share")
public interface ShareConfig {
    /** Where chat users reach the gateway, e.g. https://dreams.example.com; absent: no share links. */
    @WithName("public-base-url")
    Optional<String> publicBaseUrl();

    /** How long a share link works, at least; links are issued on the hour so repeated reads agree. */
    @WithDefault("PT24H")
    Duration ttl();
}
