package dev.nightmare.worker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageException;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.TestDirs;
import dev.nightmare.s3.S3Settings;
import dev.nightmare.worker.service.PreconditionFailedException;
import dev.nightmare.worker.service.TransientException;
import dev.nightmare.worker.service.Versioned;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link S3JobStore} against a real S3 server (s3proxy 4.1): the conditional writes the ownership
 * rules rest on, the stored-round count, the cancel marker, and an outage as a transient failure.
 */
class S3JobStoreIT {
    private static LocalS3 s3;
    private static S3JobStore store;
    private static MinioClient minio;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(TestDirs.create("s3-store"));
        store = new S3JobStore(config(s3.endpoint()));
        store.ensureBucket();
        minio = MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .region(s3.region())
                .build();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private static S3Settings config(String endpoint) {
        return new S3Settings(endpoint, s3.accessKey(), s3.secretKey(), s3.region(), "nightmare");
    }

    private static JobStatus status(String id, String attempt) {
        return JobStatus.started(id, "worker-a", attempt, 1, 3, 2, 0, null, Instant.now());
    }

    @Test
    void conditionalStatusWritesRefuseAStaleOrUnexpectedVersion() {
        String id = JobIds.random();

        String first = store.putStatus(status(id, "a"), null);
        assertThatThrownBy(() -> store.putStatus(status(id, "b"), null))
                .as("If-None-Match: * on an existing status")
                .isInstanceOf(PreconditionFailedException.class);
        String second = store.putStatus(status(id, "a").afterRound(0, 5, Instant.now()), first);
        assertThatThrownBy(() -> store.putStatus(status(id, "b"), first))
                .as("If-Match with the ETag of an older version")
                .isInstanceOf(PreconditionFailedException.class);

        Versioned<JobStatus> stored = store.status(id).orElseThrow();
        assertThat(stored.etag()).isEqualTo(second);
        assertThat(stored.value().attempt()).isEqualTo("a");
        assertThat(stored.value().roundsDone()).isEqualTo(1);
        assertThat(stored.value().state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aStatusWriteAfterTheJobWasDeletedIsRefusedNotTakenForAnOutage() throws Exception {
        // A DELETE racing the worker's write: S3 answers If-Match on a missing key with 404, which
        // the worker must read as "not this version any more" (it then stops), not retry for a minute.
        String id = JobIds.random();
        String etag = store.putStatus(status(id, "a"), null);
        minio.removeObject(io.minio.RemoveObjectArgs.builder()
                .bucket("nightmare")
                .object(JobKeys.status(id))
                .build());
        assertThatThrownBy(() -> store.putStatus(status(id, "a").afterRound(0, 5, Instant.now()), etag))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(store.status(id)).isEmpty();
    }

    @Test
    void storedRoundsCountsOnlyContiguousRoundsWithImageAndCheckpoint() throws Exception {
        String id = JobIds.random();
        Image round = new Image(5, 4, 3, new float[60]);
        java.util.Arrays.fill(round.data(), 0.25f);
        Path image = file("image.jpg", new byte[20_000]);
        Path checkpoint = file("round.f32", FloatImageFile.encode(round));
        store.putRound(id, 0, "jpg", image, checkpoint);
        store.putRound(id, 1, "jpg", image, checkpoint);
        store.putRound(id, 3, "jpg", image, checkpoint);
        put(JobKeys.roundImage(id, 2, "jpg"), new byte[10]);

        assertThat(store.storedRounds(id, "jpg"))
                .as("round 2 lacks its checkpoint")
                .isEqualTo(2);
        assertThat(store.storedRounds(id, "png"))
                .as("images of another format do not count")
                .isZero();
        assertThat(store.checkpoint(id, 1, 60))
                .hasValueSatisfying(c -> assertThat(c.data()).isEqualTo(round.data()));
        assertThat(store.checkpoint(id, 2, 60)).isEmpty();
        assertThat(store.roundImage(id, 1, "jpg"))
                .hasValueSatisfying(b -> assertThat(b).hasSize(20_000));
    }

    @Test
    void aMalformedCheckpointIsRefusedAsMalformedNotTakenForAnOutage() throws Exception {
        String id = JobIds.random();
        put(JobKeys.roundCheckpoint(id, 0), new byte[7]);
        Image round = new Image(5, 4, 3, new float[60]);
        store.putRound(id, 1, "png", file("image.png", new byte[10]), file("round.f32", FloatImageFile.encode(round)));

        assertThatThrownBy(() -> store.checkpoint(id, 0, 60))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("12-byte header");
        assertThatThrownBy(() -> store.checkpoint(id, 1, 59))
                .as("more values than the job's image can have")
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("at most 59");
    }

    private static Path file(String name, byte[] bytes) throws java.io.IOException {
        Path file = TestDirs.create("s3-store-files").resolve(name);
        java.nio.file.Files.write(file, bytes);
        return file;
    }

    @Test
    void cancelMarkerAndMissingObjectsReadAsAbsent() throws Exception {
        String id = JobIds.random();
        assertThat(store.cancelRequested(id)).isFalse();
        assertThat(store.status(id)).isEmpty();
        assertThat(store.request(id)).isEmpty();
        assertThat(store.exists(id)).isFalse();

        put(JobKeys.cancel(id), new byte[0]);
        put(JobKeys.request(id), "{}".getBytes());

        assertThat(store.cancelRequested(id)).isTrue();
        assertThat(store.exists(id)).isTrue();
    }

    @Test
    void unreachableServerIsATransientFailure() {
        S3JobStore nowhere = new S3JobStore(config("http://127.0.0.1:9"));

        assertThatThrownBy(() -> nowhere.status(JobIds.random())).isInstanceOf(TransientException.class);
    }

    private static void put(String key, byte[] bytes) throws Exception {
        minio.putObject(PutObjectArgs.builder().bucket("nightmare").object(key).stream(
                        new ByteArrayInputStream(bytes), bytes.length, -1)
                .build());
    }
}
