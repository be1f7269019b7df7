package dev.nightmare.s3;

import java.util.Objects;

/**
 * Where a service's S3 bucket is and how to sign for it: MinIO in production, s3proxy locally.
 *
 * @param endpoint the server's URL, e.g. {@code http://127.0.0.1:9000}
 * @param region the signing region (s3proxy and MinIO accept any)
 */
public record S3Settings(String endpoint, String accessKey, String secretKey, String region, String bucket) {
    public S3Settings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(bucket, "bucket");
    }

    /** The same server and credentials, another bucket. */
    public S3Settings withBucket(String other) {
        return new S3Settings(endpoint, accessKey, secretKey, region, other);
    }

    /** For logs: never the secret. */
    @Override
    public String toString() {
        return "s3 " + endpoint + "/" + bucket + " (key " + accessKey + ", region " + region + ")";
    }
}
