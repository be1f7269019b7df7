package dev.nightmare.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.Topics;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.platform.testing.KafkaTestResource;
import dev.nightmare.platform.testing.S3TestResource;
import dev.nightmare.worker.messaging.DeadLetters;
import dev.nightmare.worker.testing.ModelStoreStub;
import dev.nightmare.worker.testing.TestJobs;
import dev.nightmare.worker.testing.TinyModel;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One worker in its Quarkus app against a real Kafka broker (share group) and a real S3 server,
 * with a model-store stand-in serving Tiny Darknet: readiness, a job from message to stored rounds
 * and events, a job longer than several lock renewals delivered once, a poison message on the
 * dead-letter topic with its reason while the next job succeeds, and the metrics.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = S3TestResource.class, initArgs = @ResourceArg(name = "buckets", value = "nightmare"))
@WithTestResource(ModelStoreStub.class)
class WorkerIT {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static KafkaProducer<String, byte[]> producer;
    private static MinioClient s3;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @BeforeAll
    static void clients() {
        var config = ConfigProvider.getConfig();
        producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", config.getValue("kafka.bootstrap.servers", String.class)),
                new StringSerializer(),
                new ByteArraySerializer());
        s3 = MinioClient.builder()
                .endpoint(config.getValue("nightmare.s3.endpoint", String.class))
                .credentials(
                        config.getValue("nightmare.s3.access-key", String.class),
                        config.getValue("nightmare.s3.secret-key", String.class))
                .region("us-east-1")
                .build();
    }

    @AfterAll
    static void closeClients() {
        producer.close();
    }

    @Test
    void readinessReportsTheBackendAndModelOnceLoaded() throws Exception {
        String body = awaitReady();

        assertThat(body).contains("\"status\": \"UP\"").contains("tiny=" + TinyModel.SHA256);
        assertThat(body).containsPattern("\"backend\": \"(onednn|vector|reference)\"");
    }

    @Test
    void publishedJobIsDreamedStoredAndAnnounced() throws Exception {
        awaitReady();
        JobRequest request = submit(TestJobs.options(2, 2), TestJobs.WIDTH, TestJobs.HEIGHT);

        JobStatus status = awaitFinal(request.jobId());

        assertThat(status.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(status.roundsDone()).isEqualTo(2);
        for (int round = 0; round < 2; round++) {
            Image image = ImageCodec.decode(
                    get(JobKeys.roundImage(request.jobId(), round, "png")).orElseThrow(), "round", 1_000_000);
            assertThat(image.width()).isEqualTo(TestJobs.WIDTH);
        }
        List<JobEvent> events = events(request.jobId(), EventType.SUCCEEDED);
        assertThat(events.stream().map(JobEvent::type))
                .containsSubsequence(EventType.STARTED, EventType.ROUND, EventType.ROUND, EventType.SUCCEEDED);
        assertThat(events.stream().filter(e -> e.type() == EventType.ROUND).map(JobEvent::round))
                .containsExactly(0, 1);
        assertThat(scrape()).containsPattern("nightmare_worker_jobs_total\\{outcome=\"succeeded\"[^}]*\\} [1-9]");
    }

    @Test
    void jobOutlastingSeveralLockRenewalsIsDeliveredOnce() throws Exception {
        awaitReady();
        // About 4 s of dreaming at 1 s renewals: several RENEW + fresh-copy cycles before the ACCEPT
        // (2 × 40 iterations took 1.8 s once the CPU backend ran its batch norm in oneDNN).
        JobRequest request = submit(TestJobs.options(2, 100), 192, 144);

        JobStatus status = awaitFinal(request.jobId());

        assertThat(status.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Duration.between(status.startedAt(), status.finishedAt()))
                .as("long enough to need renewals")
                .isGreaterThan(Duration.ofSeconds(2));
        assertThat(status.deliveryCount()).isEqualTo(1);
        assertThat(events(request.jobId(), EventType.SUCCEEDED).stream().filter(e -> e.type() == EventType.STARTED))
                .as("never redelivered")
                .hasSize(1);
    }

    @Test
    void poisonMessageGoesToTheDeadLetterTopicWithItsReasonAndTheNextJobRuns() throws Exception {
        awaitReady();
        String poisonId = JobIds.random();
        JobRequest stored = TestJobs.request(poisonId, TestJobs.options(1, 1));
        put(JobKeys.request(poisonId), ContractJson.write(stored), "application/json");
        producer.send(new ProducerRecord<>(
                        Topics.REQUESTS,
                        poisonId,
                        ("{\"schemaVersion\":1,\"jobId\":\"" + poisonId + "\",").getBytes(StandardCharsets.UTF_8)))
                .get();
        JobRequest good = submit(TestJobs.options(1, 1), TestJobs.WIDTH, TestJobs.HEIGHT);

        assertThat(awaitFinal(good.jobId()).state()).isEqualTo(JobState.SUCCEEDED);
        ConsumerRecord<String, byte[]> dead = deadLetter(poisonId);
        assertThat(header(dead, DeadLetters.REASON)).isEqualTo("MALFORMED");
        assertThat(header(dead, DeadLetters.MESSAGE)).contains("not valid JSON");
        assertThat(header(dead, DeadLetters.TOPIC)).isEqualTo(Topics.REQUESTS);
        JobStatus failed = awaitFinal(poisonId);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.error()).startsWith("the request could not be read");
    }

    // --- helpers

    private String awaitReady() throws Exception {
        Instant until = Instant.now().plus(Duration.ofSeconds(120));
        String body = "";
        while (Instant.now().isBefore(until)) {
            HttpResponse<String> response =
                    HTTP.send(HttpRequest.newBuilder(ready.toURI()).build(), HttpResponse.BodyHandlers.ofString());
            body = response.body();
            if (response.statusCode() == 200) {
                return body;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the worker did not become ready: " + body);
    }

    private String scrape() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(metrics.toURI()).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** Stores request.json and a seeded input of the given size, then publishes the request. */
    private JobRequest submit(JobOptions options, int width, int height) throws Exception {
        String id = JobIds.random();
        JobRequest base = TestJobs.request(id, options);
        JobRequest request = new JobRequest(
                base.schemaVersion(),
                id,
                base.owner(),
                options,
                base.modelSha256(),
                base.inputKey(),
                width,
                height,
                Instant.now(),
                null,
                null);
        Random random = new Random(width * 31L + height);
        float[] data = new float[3 * width * height];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        put(
                JobKeys.input(id),
                ImageCodec.encode(new Image(width, height, 3, data), ImageCodec.Format.PNG),
                "image/png");
        byte[] json = ContractJson.write(request);
        put(JobKeys.request(id), json, "application/json");
        producer.send(new ProducerRecord<>(Topics.REQUESTS, id, json)).get();
        return request;
    }

    private JobStatus awaitFinal(String jobId) throws Exception {
        Instant until = Instant.now().plus(JOB_TIMEOUT);
        while (Instant.now().isBefore(until)) {
            Optional<byte[]> bytes = get(JobKeys.status(jobId));
            if (bytes.isPresent()) {
                JobStatus status = ContractJson.readStatus(bytes.get());
                if (status.state().isFinal()) {
                    return status;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " did not finish in " + JOB_TIMEOUT);
    }

    private static void put(String key, byte[] bytes, String type) throws Exception {
        s3.putObject(PutObjectArgs.builder().bucket("nightmare").object(key).stream(
                        new ByteArrayInputStream(bytes), bytes.length, -1)
                .contentType(type)
                .build());
    }

    private static Optional<byte[]> get(String key) throws Exception {
        try (GetObjectResponse in = s3.getObject(
                GetObjectArgs.builder().bucket("nightmare").object(key).build())) {
            return Optional.of(in.readAllBytes());
        } catch (ErrorResponseException e) {
            return Optional.empty();
        }
    }

    /** The job's events from the start of the topic, up to and including {@code last}. */
    private static List<JobEvent> events(String jobId, EventType last) {
        List<JobEvent> found = new ArrayList<>();
        read(Topics.EVENTS, r -> {
            if (!jobId.equals(r.key())) {
                return false;
            }
            JobEvent event = ContractJson.readEvent(r.value());
            found.add(event);
            return event.type() == last;
        });
        return found;
    }

    private static ConsumerRecord<String, byte[]> deadLetter(String key) {
        List<ConsumerRecord<String, byte[]>> hits = read(Topics.REQUESTS_DEAD_LETTER, r -> key.equals(r.key()));
        return hits.getLast();
    }

    /** Reads {@code topic} from the beginning until {@code done} accepts a record (at most 30 s). */
    private static List<ConsumerRecord<String, byte[]>> read(
            String topic, java.util.function.Predicate<ConsumerRecord<String, byte[]>> done) {
        var config = ConfigProvider.getConfig();
        List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of("bootstrap.servers", config.getValue("kafka.bootstrap.servers", String.class)),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Instant until = Instant.now().plus(Duration.ofSeconds(30));
            while (Instant.now().isBefore(until)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (done.test(record)) {
                        seen.add(record);
                        return seen;
                    }
                }
            }
        }
        throw new AssertionError("nothing matching on " + topic + " within 30 s");
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
