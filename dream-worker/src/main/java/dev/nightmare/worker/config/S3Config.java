package dev.nightmare.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/** The S3 server holding jobs ({@code nightmare.s3.*}): MinIO in production, s3proxy locally. */
@ConfigMapping(prefix = "nightmare.s3")
public interface S3Config {
    String endpoint();

    @WithName("access-key")
    String accessKey();

    @WithName("secret-key")
    String secretKey();

    @WithDefault("us-east-1")
    String region();

    @WithDefault("nightmare")
    String bucket();
}
