package dev.nightmare.modelstore.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Optional;

/** The S3 server every service shares ({@code nightmare.s3.*}): MinIO, or s3proxy locally. */
@ConfigMapping(prefix = "nightmare.s3")
public interface S3Config {
    /** e.g. {@code http://127.0.0.1:9000}; required when a bucket is configured. */
    Optional<String> endpoint();

    @WithName("access-key")
    Optional<String> accessKey();

    @WithName("secret-key")
    Optional<String> secretKey();

    @WithDefault("us-east-1")
    String region();
}
