package dev.nightmare.s3;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.util.Optional;

/**
 * The S3 settings every service reads, {@code nightmare.s3.*}: one shape for the gateway, the
 * workers and the model-store. The endpoint and keys are optional here because the model-store
 * may serve models without S3; the services that always need S3 call {@link #settings()}, which
 * names what is missing.
 */
@ConfigMapping(prefix = "nightmare.s3")
public interface S3Config {
    /** e.g. {@code http://127.0.0.1:9000}. */
    Optional<String> endpoint();

    @WithName("access-key")
    Optional<String> accessKey();

    @WithName("secret-key")
    Optional<String> secretKey();

    @WithDefault("us-east-1")
    String region();

    /** The jobs' bucket (inputs, rounds, request and status documents). */
    @WithDefault("nightmare")
    String bucket();

    /** Lifetime of the presigned round URLs the gateway hands out. */
    @WithName("presign-seconds")
    @WithDefault("300")
    int presignSeconds();

    /**
     * These settings, complete.
     *
     * @throws IllegalStateException naming the properties that are not set
     */
    default S3Settings settings() {
        StringBuilder missing = new StringBuilder();
        if (endpoint().isEmpty()) {
            missing.append(" nightmare.s3.endpoint");
        }
        if (accessKey().isEmpty()) {
            missing.append(" nightmare.s3.access-key");
        }
        if (secretKey().isEmpty()) {
            missing.append(" nightmare.s3.secret-key");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("S3 is not configured: set" + missing);
        }
        return new S3Settings(endpoint().get(), accessKey().get(), secretKey().get(), region(), bucket());
    }
}
