package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.Topics;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.platform.LocalKafka;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.TestDirs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole path, each part a real server in its own process: Kafka 4.4 (KRaft) and S3
 * (s3proxy) from local-platform, the model-store serving Tiny Darknet, the gateway, and two dream
 * workers on the CPU backend. A client submits over HTTP, follows the SSE stream and downloads
 * rounds through the gateway. One partition on {@code nightmare-requests} throughout: with share
 * groups the workers still take jobs independently.
 */
class EndToEndIT {
    private static final String API_KEY = "e2e-key-0123456789";
    private static final String SERVICE_TOKEN = "e2e-service-token-0123";
    private static final String BUCKET = "nightmare";
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);
    /** The workers' backend: the fast CPU one unless {@code -Dnightmare.e2e.backend} names another. */
    private static final String BACKEND = System.getProperty("nightmare.e2e.backend", "onednn");

    /** A quick job: 3 rounds of 3 iterations on a 96×72 image. */
    private static final String QUICK =
            "{\"model\":\"tiny\",\"layer\":4,\"rounds\":3,\"iters\":3,\"octaves\":2,\"format\":\"png\",\"seed\":7}";

    private static Path work;
    private static LocalKafka kafka;
    private static LocalS3 s3;
    private static MinioClient minio;
    private static ServiceProcess modelStore;
    private static ServiceProcess gateway;
    private static final Map<String, ServiceProcess> workers = new LinkedHashMap<>();
    private static GatewayClient api;
    private static byte[] small;
    private static byte[] large;

    @BeforeAll
    static void startTheSystem() throws Exception {
        work = TestDirs.create("e2e");
        kafka = LocalKafka.start(work.resolve("kafka"));
        s3 = LocalS3.start(work.resolve("s3"));
        s3.createBucket(BUCKET);
        minio = MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .region(s3.region())
                .build();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(Topics.REQUESTS, 1, (short) 1), new NewTopic(Topics.EVENTS, 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }

        // The model-store serves Tiny Darknet from a directory under target/ (never from the repo).
        Path models = Files.createDirectories(work.resolve("models"));
        Files.copy(Shared.models().resolve("tiny.cfg"), models.resolve("tiny.cfg"));
        Files.createSymbolicLink(models.resolve("tiny.weights"), Shared.models().resolve("tiny.weights"));
        modelStore = ServiceProcess.start(
                "model-store",
                app("nightmare.model-store.app"),
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                Map.of(
                        "nightmare.model-store.models-dir", models.toString(),
                        "nightmare.model-store.data-dir",
                                work.resolve("model-store-data").toString(),
                        "nightmare.model-store.auth.service-tokens", SERVICE_TOKEN),
                work);
        Map<String, String> gatewayConfig = new HashMap<>(platformConfig());
        gatewayConfig.put("nightmare.model-store.url", modelStore.url());
        gatewayConfig.put("nightmare.model-store.token", SERVICE_TOKEN);
        gatewayConfig.put("nightmare.jobs.id-secret", "e2e-shared-secret-0123456789");
        gatewayConfig.put("nightmare.auth.keys.e2e", API_KEY);
        gateway = ServiceProcess.start(
                "gateway",
                app("nightmare.gateway.app"),
                List.of("-Xmx384m", "-XX:TieredStopAtLevel=1"),
                gatewayConfig,
                work);
        startWorker("worker-a");
        startWorker("worker-b");
        modelStore.awaitReady(Duration.ofSeconds(120));
        gateway.awaitReady(Duration.ofSeconds(120));
        for (ServiceProcess worker : workers.values()) {
            worker.awaitReady(Duration.ofSeconds(120));
        }
        api = new GatewayClient(gateway.url(), API_KEY);
        Image dog = ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1_000_000);
        small = ImageCodec.encode(ImageOps.resize(dog, 96, 72), ImageCodec.Format.PNG);
        large = ImageCodec.encode(ImageOps.resize(dog, 192, 144), ImageCodec.Format.PNG);
    }

    @AfterAll
    static void stopTheSystem() {
        List<AutoCloseable> all = new ArrayList<>(workers.values());
        all.addAll(List.of(gateway, modelStore));
        all.add(kafka);
        all.add(s3);
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // Best effort: the servers also stop with this JVM's shutdown hooks.
            }
        }
    }

    /** Each test starts with both workers up (the kill test restarts its victim, but be sure). */
    @BeforeEach
    void bothWorkersRun() throws Exception {
        for (String id : List.copyOf(workers.keySet())) {
            if (!workers.get(id).alive()) {
                startWorker(id).awaitReady(Duration.ofSeconds(120));
            }
        }
    }

    @Test
    void submittedImageIsDreamedAndEveryRoundDownloadsThroughTheGateway() throws Exception {
        String id = api.submit(small, QUICK);

        List<SseStream.Event> events;
        try (SseStream sse = api.events(id)) {
            events = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(events.getFirst().name()).isEqualTo("state");
        assertThat(events.getLast().name()).isEqualTo("succeeded");
        assertThat(events.stream().filter(e -> e.name().equals("round")).map(SseStream.Event::round))
                .containsExactly(0, 1, 2);
        Image input = ImageCodec.decode(small, "input", 1_000_000);
        for (int round = 0; round < 3; round++) {
            HttpResponse<byte[]> response = api.round(id, round);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");
            Image image = ImageCodec.decode(response.body(), "round " + round, 1_000_000);
            assertThat(image.width()).isEqualTo(96);
            assertThat(image.height()).isEqualTo(72);
            assertThat(meanAbsoluteDifference(image, input))
                    .as("round %d differs from the input", round)
                    .isGreaterThan(1 / 255.0);
        }
        assertThat(api.round(id, 3).statusCode())
                .as("rounds are numbered from 0")
                .isEqualTo(404);
        JsonNode job = api.job(id);
        assertThat(job.get("state").asText()).isEqualTo("succeeded");
        assertThat(job.get("run").get("backend").asText()).isEqualTo(BACKEND);
    }

    @Test
    void cancelMidJobStopsItAndTheJobEndsCanceled() throws Exception {
        String id = api.submit(large, slow(6, 30));

        List<SseStream.Event> events;
        try (SseStream sse = api.events(id)) {
            sse.await(e -> e.name().equals("progress"), JOB_TIMEOUT);
            api.cancel(id);
            events = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(events.getLast().name()).isEqualTo("canceled");
        JsonNode job = api.job(id);
        assertThat(job.get("state").asText()).isEqualTo("canceled");
        assertThat(job.get("progress").get("roundsDone").asInt()).isLessThan(6);
    }

    @Test
    void workerKilledAfterRoundOneLeavesTheJobToTheOtherWithIdenticalImages() throws Exception {
        String options = slow(3, 40);
        String uninterrupted = api.submit(large, options);
        try (SseStream sse = api.events(uninterrupted)) {
            assertThat(sse.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("succeeded");
        }

        String id = api.submit(large, options);
        String victim;
        List<SseStream.Event> after;
        try (SseStream sse = api.events(id)) {
            sse.await(e -> e.name().equals("round") && e.round() == 1, JOB_TIMEOUT);
            JobStatus atRoundOne = status(id);
            assertThat(atRoundOne.roundsDone())
                    .as("killed before round 2 is stored")
                    .isEqualTo(2);
            victim = atRoundOne.workerId();
            workers.get(victim).kill();
            after = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(after.getLast().name()).isEqualTo("succeeded");
        JobStatus done = status(id);
        assertThat(done.workerId()).as("finished by the other worker").isNotEqualTo(victim);
        assertThat(done.deliveryCount()).isGreaterThanOrEqualTo(2);
        for (int round = 0; round < 3; round++) {
            assertThat(Arrays.equals(
                            api.round(id, round).body(),
                            api.round(uninterrupted, round).body()))
                    .as(
                            "round %d is bit-identical to the uninterrupted run's (same backend kind, %s). A"
                                    + " difference from round 0 on means the backend itself is not reproducible"
                                    + " between worker processes, e.g. a Vector API reduceLanes(ADD), whose order"
                                    + " differs between interpreted and C2-compiled code",
                            round, BACKEND)
                    .isTrue();
        }
    }

    @Test
    void sigtermMidJobReleasesTheJobAndTheOtherWorkerFinishesIt() throws Exception {
        String id = api.submit(large, slow(3, 40));
        String stopped;
        Duration exit;
        List<SseStream.Event> events;
        try (SseStream sse = api.events(id)) {
            sse.await(e -> e.name().equals("progress"), JOB_TIMEOUT);
            stopped = status(id).workerId();
            exit = workers.get(stopped).terminate(Duration.ofSeconds(60));
            events = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(exit).as("exits within shutdown-grace (5 s) and a margin").isLessThan(Duration.ofSeconds(20));
        assertThat(workers.get(stopped).log()).contains("released for redelivery at shutdown");
        assertThat(events.getLast().name()).isEqualTo("succeeded");
        JobStatus done = status(id);
        assertThat(done.workerId()).isNotEqualTo(stopped);
        assertThat(done.deliveryCount()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void longJobOnOneWorkerDoesNotDelayAShortJobWhileTheOtherIsFree() throws Exception {
        String longJob = api.submit(large, slow(4, 40));
        try (SseStream longEvents = api.events(longJob)) {
            longEvents.await(e -> e.name().equals("progress"), JOB_TIMEOUT);

            long submitted = System.nanoTime();
            String shortJob = api.submit(small, QUICK.replace("\"rounds\":3", "\"rounds\":1"));
            try (SseStream shortEvents = api.events(shortJob)) {
                assertThat(shortEvents.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("succeeded");
            }
            Duration shortTook = Duration.ofNanos(System.nanoTime() - submitted);

            assertThat(api.job(longJob).get("state").asText())
                    .as("the long job is still running")
                    .isEqualTo("running");
            assertThat(status(shortJob).workerId()).isNotEqualTo(status(longJob).workerId());
            assertThat(shortTook)
                    .as("the short job did not queue behind the long one")
                    .isLessThan(Duration.ofSeconds(20));
            api.cancel(longJob);
            assertThat(longEvents.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("canceled");
        }
    }

    @Test
    void poisonMessageGoesToTheDeadLetterTopicWhileTheNextGoodJobSucceeds() throws Exception {
        String poisonKey = "poison-" + System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            Topics.REQUESTS, poisonKey, "{\"schemaVersion\":1,".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        String good = api.submit(small, QUICK);

        try (SseStream sse = api.events(good)) {
            assertThat(sse.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("succeeded");
        }
        ConsumerRecord<String, byte[]> dead = deadLetter(poisonKey);
        assertThat(header(dead, "__dlq.errors.reason")).isEqualTo("MALFORMED");
        assertThat(header(dead, "__dlq.errors.topic")).isEqualTo(Topics.REQUESTS);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"schemaVersion\":1,");
    }

    // --- the system

    private static ServiceProcess startWorker(String id) throws Exception {
        Map<String, String> config = new HashMap<>(platformConfig());
        config.put("nightmare.model-store.url", modelStore.url());
        config.put("nightmare.model-store.token", SERVICE_TOKEN);
        config.put("nightmare.worker.id", id);
        config.put("nightmare.worker.models", "tiny");
        config.put(
                "nightmare.worker.model-cache-dir", work.resolve(id + "-models").toString());
        // Two workers on two cores: one thread each, so both compute the same bits the same way.
        config.put("nightmare.worker.backend.threads", "1");
        config.put("nightmare.worker.backend.name", BACKEND);
        config.put("nightmare.worker.kafka.lock-duration", "PT15S");
        config.put("nightmare.worker.kafka.renew-interval", "PT2S");
        config.put("nightmare.worker.progress-interval", "PT0.2S");
        config.put("nightmare.worker.cancel-check-interval", "PT0.1S");
        config.put("nightmare.worker.shutdown-grace", "PT5S");
        List<String> jvm = new ArrayList<>(
                List.of("-Xmx512m", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        String extra = System.getProperty("nightmare.e2e.worker-jvm", "").strip();
        if (!extra.isEmpty()) {
            jvm.addAll(List.of(extra.split("\\s+")));
        }
        ServiceProcess worker = ServiceProcess.start(id, app("nightmare.worker.app"), jvm, config, work);
        workers.put(id, worker);
        return worker;
    }

    private static Map<String, String> platformConfig() {
        return Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "nightmare.s3.endpoint", s3.endpoint(),
                "nightmare.s3.access-key", s3.accessKey(),
                "nightmare.s3.secret-key", s3.secretKey(),
                "nightmare.s3.region", s3.region(),
                "nightmare.s3.bucket", BUCKET);
    }

    private static Path app(String property) {
        return Path.of(System.getProperty(property, "missing-" + property));
    }

    /** Rounds × iterations on the 192×144 input: long enough to act on mid-job. */
    private static String slow(int rounds, int iters) {
        return "{\"model\":\"tiny\",\"layer\":4,\"rounds\":" + rounds + ",\"iters\":" + iters
                + ",\"octaves\":2,\"format\":\"png\",\"seed\":11}";
    }

    private static JobStatus status(String id) throws Exception {
        try (GetObjectResponse in = minio.getObject(GetObjectArgs.builder()
                .bucket(BUCKET)
                .object(JobKeys.status(id))
                .build())) {
            return ContractJson.readStatus(in.readAllBytes());
        }
    }

    private static ConsumerRecord<String, byte[]> deadLetter(String key) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(Topics.REQUESTS_DEAD_LETTER, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() - until < 0) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no dead letter with key " + key + " within 30 s");
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static double meanAbsoluteDifference(Image a, Image b) {
        double sum = 0;
        for (int i = 0; i < a.data().length; i++) {
            sum += Math.abs(a.data()[i] - b.data()[i]);
        }
        return sum / a.data().length;
    }
}
