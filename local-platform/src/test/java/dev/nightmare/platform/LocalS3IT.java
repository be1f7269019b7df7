package dev.nightmare.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalS3IT {
    @TempDir
    Path dir;

    @Test
    void putsAndGetsWithTheMinioSdkThenKeepsObjectsAcrossRestart() throws Exception {
        byte[] body = new byte[3 << 20];
        new Random(42).nextBytes(body);
        try (LocalS3 s3 = LocalS3.start(dir.resolve("s3"), 0, "access-1", "secret-1")) {
            MinioClient minio = client(s3, s3.secretKey());
            minio.makeBucket(MakeBucketArgs.builder().bucket("models").build());
            minio.putObject(PutObjectArgs.builder().bucket("models").object("tiny/blob.bin").stream(
                            new ByteArrayInputStream(body), body.length, -1)
                    .build());
            assertThat(get(minio, "models", "tiny/blob.bin")).isEqualTo(body);

            int port = s3.port();
            s3.stop();
            assertThat(Ports.accepts(port)).isFalse();
            s3.restart();
            assertThat(s3.port()).isEqualTo(port);
            assertThat(get(minio, "models", "tiny/blob.bin")).isEqualTo(body);
        }
    }

    @Test
    void rejectsRequestsSignedWithAnotherSecret() throws Exception {
        try (LocalS3 s3 = LocalS3.start(dir.resolve("s3"), 0, "access-1", "secret-1")) {
            s3.createBucket("models");
            assertThat(client(s3, s3.secretKey())
                            .bucketExists(
                                    BucketExistsArgs.builder().bucket("models").build()))
                    .isTrue();
            assertThatThrownBy(() -> client(s3, "wrong-secret")
                            .bucketExists(
                                    BucketExistsArgs.builder().bucket("models").build()))
                    .isInstanceOf(ErrorResponseException.class);
        }
    }

    private static MinioClient client(LocalS3 s3, String secret) {
        return MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), secret)
                .region(s3.region())
                .build();
    }

    private static byte[] get(MinioClient minio, String bucket, String key) throws Exception {
        try (InputStream in = minio.getObject(
                GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return in.readAllBytes();
        }
    }
}
