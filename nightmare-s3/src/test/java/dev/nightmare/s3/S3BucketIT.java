package dev.nightmare.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.TestDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link S3Bucket} against a real S3 server (s3proxy 4.1): every operation the services use, the
 * conditional writes the ownership rules rest on, and the connection failures of the field — a
 * pooled connection the server closed while idle, and a conditional write whose answer was lost.
 */
class S3BucketIT {
    private static LocalS3 s3;
    private static S3Settings settings;
    private static S3Bucket bucket;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(TestDirs.create("s3-bucket"));
        settings = new S3Settings(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), "bucket-it");
        bucket = S3Bucket.connect(settings, Duration.ofSeconds(5));
        bucket.ensureExists();
        bucket.ensureExists(); // a second service finding it there is fine
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @Test
    void putGetExistsAndDeleteAnObject() {
        String etag = bucket.put("a/one.txt", bytes("one"), "text/plain");

        assertThat(bucket.get("a/one.txt")).contains(bytes("one"));
        assertThat(bucket.getWithEtag("a/one.txt").orElseThrow().etag()).isEqualTo(etag);
        assertThat(bucket.exists("a/one.txt")).isTrue();
        bucket.delete("a/one.txt");
        assertThat(bucket.exists("a/one.txt")).isFalse();
        assertThat(bucket.get("a/one.txt")).isEmpty();
        bucket.delete("a/one.txt"); // deleting what is gone is fine
    }

    @Test
    void openStreamsTheObjectWithItsSizeAndType() throws Exception {
        bucket.put("open/x.png", bytes("not really a png"), "image/png");

        try (S3Bucket.Download download = bucket.open("open/x.png").orElseThrow()) {
            assertThat(download.size()).isEqualTo(16);
            assertThat(download.contentType()).isEqualTo("image/png");
            assertThat(download.body().readAllBytes()).isEqualTo(bytes("not really a png"));
        }
        assertThat(bucket.open("open/missing.png")).isEmpty();
    }

    @Test
    void aFileIsUploadedWithItsTypeInPartsAndReadBackAsAStream() throws Exception {
        // 12 MiB: over the client's 5 MiB part size, so a multipart upload, streamed from disk.
        byte[] large = new byte[12 << 20];
        new java.util.Random(5).nextBytes(large);
        Path file = TestDirs.create("s3-upload").resolve("round.f32");
        Files.write(file, large);
        bucket.upload("stream/round.f32", file, "application/octet-stream");
        bucket.upload("stream/round.png", file, "image/png");

        assertThat(bucket.read("stream/round.f32", in -> java.util.Arrays.equals(in.readAllBytes(), large)))
                .contains(true);
        try (S3Bucket.Download download = bucket.open("stream/round.png").orElseThrow()) {
            assertThat(download.contentType()).isEqualTo("image/png");
            assertThat(download.size()).isEqualTo(large.length);
        }
        assertThat(bucket.read("stream/missing.f32", in -> in.read())).isEmpty();
    }

    @Test
    void whatTheReaderRefusesReachesTheCallerAsItIsNotAsAnOutage() {
        bucket.put("stream/bad.f32", bytes("short"), "application/octet-stream");

        assertThatThrownBy(() -> bucket.read("stream/bad.f32", in -> {
                    throw new IllegalStateException("stream/bad.f32 is 5 bytes; expected at least 12");
                }))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expected at least 12");
    }

    @Test
    void putIfAbsentWritesOnceAndPutIfMatchNeedsTheCurrentEtag() {
        Optional<String> first = bucket.putIfAbsent("cond/status.json", bytes("v1"), "application/json");
        Optional<String> second = bucket.putIfAbsent("cond/status.json", bytes("v1 again"), "application/json");

        assertThat(first).isPresent();
        assertThat(second).as("the key exists").isEmpty();
        Optional<String> next = bucket.putIfMatch("cond/status.json", bytes("v2"), "application/json", first.get());
        assertThat(next).isPresent().isNotEqualTo(first);
        assertThat(bucket.putIfMatch("cond/status.json", bytes("v3"), "application/json", first.get()))
                .as("a stale ETag")
                .isEmpty();
        assertThat(bucket.get("cond/status.json")).contains(bytes("v2"));

        // Deleted meanwhile (a job's DELETE racing its worker's status write): refused, not an outage.
        bucket.delete("cond/status.json");
        assertThat(bucket.putIfMatch("cond/status.json", bytes("v4"), "application/json", next.get()))
                .as("the version is gone")
                .isEmpty();
        assertThat(bucket.exists("cond/status.json")).isFalse();
    }

    @Test
    void listsInKeyOrderAfterACursorAndDeletesAPrefix() {
        for (String k : new String[] {"list/c", "list/a", "list/b", "list/sub/d", "other/e"}) {
            bucket.put(k, bytes(k), "text/plain");
        }

        assertThat(bucket.list("list/")).containsExactly("list/a", "list/b", "list/c", "list/sub/d");
        assertThat(bucket.list("list/", "list/a", 2, true)).containsExactly("list/b", "list/c");
        assertThat(bucket.list("list/", null, 10, false)).containsExactly("list/a", "list/b", "list/c");
        bucket.deletePrefix("list/");
        assertThat(bucket.list("list/")).isEmpty();
        assertThat(bucket.exists("other/e")).isTrue();
    }

    @Test
    void aViewUnderAPrefixSeesAndListsRelativeKeys() throws Exception {
        S3Bucket models = bucket.under("models/");
        Path file = Files.createTempFile("weights", ".bin");
        Files.write(file, bytes("weights"));

        models.upload("tiny.weights", file);

        assertThat(bucket.get("models/tiny.weights")).contains(bytes("weights"));
        assertThat(models.list("")).containsExactly("tiny.weights");
        assertThat(models.describe()).isEqualTo("s3://bucket-it/models/");
    }

    @Test
    void aPooledConnectionTheServerClosedWhileIdleDoesNotFailTheNextRequest() throws Exception {
        // The server drops connections idle for 300 ms; the client's pool keeps them 10 s.
        try (FaultyProxy proxy = new FaultyProxy(s3.port(), 300)) {
            S3Bucket viaProxy = S3Bucket.connect(
                    new S3Settings(proxy.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), "bucket-it"),
                    Duration.ofSeconds(5));
            viaProxy.put("idle/x", bytes("x"), "text/plain");

            for (int gap = 0; gap < 3; gap++) {
                Thread.sleep(600);
                assertThat(viaProxy.get("idle/x")).contains(bytes("x"));
                Thread.sleep(600);
                assertThat(viaProxy.exists("idle/x")).isTrue();
                Thread.sleep(600);
                assertThat(viaProxy.list("idle/")).containsExactly("idle/x");
                Thread.sleep(600);
                viaProxy.put("idle/x", bytes("x"), "text/plain");
            }
        }
    }

    @Test
    void aConditionalWriteWhoseAnswerWasLostIsRecognisedAsOwnOnTheRetry() throws Exception {
        try (FaultyProxy proxy = new FaultyProxy(s3.port(), 60_000)) {
            S3Bucket viaProxy = S3Bucket.connect(
                    new S3Settings(proxy.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), "bucket-it"),
                    Duration.ofSeconds(5));

            proxy.loseNextReply();
            Optional<String> created = viaProxy.putIfAbsent("lost/request.json", bytes("mine"), "application/json");

            assertThat(created)
                    .as("the first try landed; its 412 on the retry is our own write")
                    .isPresent();
            assertThat(created.get())
                    .isEqualTo(bucket.getWithEtag("lost/request.json")
                            .orElseThrow()
                            .etag());

            proxy.loseNextReply();
            Optional<String> updated =
                    viaProxy.putIfMatch("lost/request.json", bytes("mine, v2"), "application/json", created.get());
            assertThat(updated).isPresent();
            assertThat(bucket.get("lost/request.json")).contains(bytes("mine, v2"));

            proxy.loseNextReply();
            assertThat(viaProxy.putIfAbsent("lost/request.json", bytes("someone else's"), "application/json"))
                    .as("a 412 for another's object is still a refusal")
                    .isEmpty();
        }
    }

    @Test
    void anUnreachableServerIsAnS3UnavailableExceptionNamingTheKey() {
        S3Bucket away = S3Bucket.connect(
                new S3Settings("http://127.0.0.1:1", s3.accessKey(), s3.secretKey(), s3.region(), "bucket-it"),
                Duration.ofSeconds(1));

        assertThatThrownBy(() -> away.get("jobs/x/request.json"))
                .isInstanceOf(S3UnavailableException.class)
                .hasMessageContaining("jobs/x/request.json")
                .hasMessageNotContaining(s3.secretKey());
        assertThat(away.reachable()).isFalse();
        assertThat(bucket.reachable()).isTrue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
