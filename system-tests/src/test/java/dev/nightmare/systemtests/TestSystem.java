package dev.nightmare.systemtests;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.Topics;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.platform.LocalKafka;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.AppProcess;
import dev.nightmare.platform.testing.TestDirs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

/**
 * A whole Nightmare for tests, each part a real server in its own process: Kafka 4.4 (KRaft) and S3
 * (s3proxy) from local-platform, the model-store serving Tiny Darknet, one gateway and dream
 * workers on a CPU backend, each from its packaged {@code quarkus-run.jar}. One partition on each
 * topic. Built with {@link #builder}; every setting of a service can be overridden, and any part
 * can be stopped, killed, paused or restarted (same port, same data) by the tests.
 */
final class TestSystem implements AutoCloseable {
    static final String BUCKET = "nightmare";
    static final String SERVICE_TOKEN = "e2e-service-token-0123";
    static final String ADMIN_TOKEN = "e2e-admin-token-0123456789";
    static final String ID_SECRET = "e2e-shared-secret-0123456789";
    /** The workers' backend: the fast CPU one unless {@code -Dnightmare.e2e.backend} names another. */
    static final String BACKEND = System.getProperty("nightmare.e2e.backend", "onednn");

    private final Builder settings;
    private Path work;
    private LocalKafka kafka;
    private LocalS3 s3;
    private MinioClient minio;
    private AppProcess modelStore;
    private AppProcess gateway;
    private final Map<String, AppProcess> workers = new LinkedHashMap<>();

    /** Settings of a system; {@link #start()} launches it and waits until every service is ready. */
    static final class Builder {
        private final String name;
        private final List<String> workerIds = new ArrayList<>(List.of("worker-a", "worker-b"));
        private final Map<String, String> worker = new LinkedHashMap<>();
        private final Map<String, String> gateway = new LinkedHashMap<>();
        private final Map<String, String> broker = new LinkedHashMap<>();
        private final Map<String, String> apiKeys = new LinkedHashMap<>();
        private final Map<String, String> modelStore = new LinkedHashMap<>();
        private final List<String> syntheticModels = new ArrayList<>();
        private List<String> gatewayJvm = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1");
        private List<String> modelStoreJvm = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

        private Builder(String name) {
            this.name = name;
            // Workers as EndToEndIT has always run them: 15 s locks renewed every 2 s, one backend
            // thread each (two workers on two cores compute the same bits the same way), quick
            // progress and cancel checks, a short shutdown grace.
            worker.put("nightmare.worker.backend.threads", "1");
            worker.put("nightmare.worker.backend.name", BACKEND);
            worker.put("nightmare.worker.models", "tiny");
            worker.put("nightmare.worker.kafka.lock-duration", "PT15S");
            worker.put("nightmare.worker.kafka.renew-interval", "PT2S");
            worker.put("nightmare.worker.progress-interval", "PT0.2S");
            worker.put("nightmare.worker.cancel-check-interval", "PT0.1S");
            worker.put("nightmare.worker.shutdown-grace", "PT5S");
            gateway.put("nightmare.jobs.id-secret", ID_SECRET);
            apiKeys.put("e2e", "e2e-key-0123456789");
        }

        /** The workers' ids (default {@code worker-a}, {@code worker-b}). */
        Builder workers(String... ids) {
            workerIds.clear();
            workerIds.addAll(List.of(ids));
            return this;
        }

        /** A worker setting ({@code nightmare.worker.*}, …) for every worker. */
        Builder worker(String key, String value) {
            worker.put(key, value);
            return this;
        }

        /** A gateway setting. */
        Builder gateway(String key, String value) {
            gateway.put(key, value);
            return this;
        }

        /** A Kafka broker setting (server.properties). */
        Builder broker(String key, String value) {
            broker.put(key, value);
            return this;
        }

        /** A model-store setting. */
        Builder modelStore(String key, String value) {
            modelStore.put(key, value);
            return this;
        }

        /** The gateway's and the model-store's JVM options (default: small test heaps, C1 only). */
        Builder serviceJvms(List<String> gatewayOptions, List<String> modelStoreOptions) {
            gatewayJvm = List.copyOf(gatewayOptions);
            modelStoreJvm = List.copyOf(modelStoreOptions);
            return this;
        }

        /** Also serve {@code cfg} (a cfg of ../shared/models) with deterministic synthetic weights. */
        Builder syntheticModel(String cfg) {
            syntheticModels.add(cfg);
            return this;
        }

        /** An API key of the gateway: {@code id} names its owner. */
        Builder apiKey(String id, String key) {
            apiKeys.put(id, key);
            return this;
        }

        TestSystem start() throws Exception {
            return new TestSystem(this);
        }
    }

    static Builder builder(String name) {
        return new Builder(name);
    }

    private TestSystem(Builder settings) throws Exception {
        this.settings = settings;
        try {
            launch();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void launch() throws Exception {
        work = TestDirs.create(settings.name);
        kafka = LocalKafka.start(work.resolve("kafka"), 0, settings.broker);
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
        for (String cfg : settings.syntheticModels) {
            Files.copy(Shared.models().resolve(cfg + ".cfg"), models.resolve(cfg + ".cfg"));
            SyntheticWeights.write(
                    NetworkSpec.read(models.resolve(cfg + ".cfg"), w -> {}), 1, models.resolve(cfg + ".weights"));
        }
        Map<String, String> storeConfig = new HashMap<>(Map.of(
                "nightmare.model-store.models-dir",
                models.toString(),
                "nightmare.model-store.data-dir",
                work.resolve("model-store-data").toString(),
                "nightmare.model-store.auth.service-tokens",
                SERVICE_TOKEN,
                "nightmare.model-store.auth.admin-tokens",
                ADMIN_TOKEN));
        storeConfig.putAll(settings.modelStore);
        modelStore = AppProcess.start(
                "model-store", app("nightmare.model-store.app"), settings.modelStoreJvm, storeConfig, work);
        Map<String, String> gatewayConfig = new HashMap<>(platformConfig());
        gatewayConfig.put("nightmare.model-store.url", modelStore.url());
        gatewayConfig.put("nightmare.model-store.token", SERVICE_TOKEN);
        settings.apiKeys.forEach((id, key) -> gatewayConfig.put("nightmare.auth.keys." + id, key));
        gatewayConfig.putAll(settings.gateway);
        gateway = AppProcess.start("gateway", app("nightmare.gateway.app"), settings.gatewayJvm, gatewayConfig, work);
        for (String id : settings.workerIds) {
            startWorker(id);
        }
        modelStore.awaitReady(Duration.ofSeconds(120));
        gateway.awaitReady(Duration.ofSeconds(120));
        for (AppProcess worker : workers.values()) {
            worker.awaitReady(Duration.ofSeconds(120));
        }
    }

    /** Starts (or starts again) worker {@code id} with the system's worker settings; not awaited. */
    AppProcess startWorker(String id) throws Exception {
        return startWorker(id, Map.of());
    }

    /** Like {@link #startWorker(String)} with extra settings for this worker only. */
    AppProcess startWorker(String id, Map<String, String> extra) throws Exception {
        Map<String, String> config = new HashMap<>(platformConfig());
        config.put("nightmare.model-store.url", modelStore.url());
        config.put("nightmare.model-store.token", SERVICE_TOKEN);
        config.put("nightmare.worker.id", id);
        config.put(
                "nightmare.worker.model-cache-dir", work.resolve(id + "-models").toString());
        config.putAll(settings.worker);
        config.putAll(extra);
        // The heap the start paths give a worker (run-local, compose, k8s): JavaCPP refuses
        // oneDNN's allocations once the process's RSS passes 4 × the heap limit, and a tiled
        // poster's iteration (1.5 GiB of native state) beside a 512 MB heap passed that 2 GB.
        List<String> jvm = new ArrayList<>(
                List.of("-Xmx1g", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        String extraJvm = System.getProperty("nightmare.e2e.worker-jvm", "").strip();
        if (!extraJvm.isEmpty()) {
            jvm.addAll(List.of(extraJvm.split("\\s+")));
        }
        AppProcess worker = AppProcess.start(id, app("nightmare.worker.app"), jvm, config, work);
        workers.put(id, worker);
        return worker;
    }

    /** Restarts every configured worker that is not running, and waits until all are ready. */
    void ensureWorkersRunning() throws Exception {
        for (String id : settings.workerIds) {
            AppProcess worker = workers.get(id);
            if (worker == null || !worker.alive()) {
                startWorker(id).awaitReady(Duration.ofSeconds(120));
            }
        }
    }

    Path work() {
        return work;
    }

    LocalKafka kafka() {
        return kafka;
    }

    LocalS3 s3() {
        return s3;
    }

    MinioClient minio() {
        return minio;
    }

    AppProcess modelStore() {
        return modelStore;
    }

    AppProcess gateway() {
        return gateway;
    }

    AppProcess worker(String id) {
        return workers.get(id);
    }

    Map<String, AppProcess> workers() {
        return workers;
    }

    /** The client of API key {@code keyId}. */
    GatewayClient api(String keyId) {
        String key = settings.apiKeys.get(keyId);
        if (key == null) {
            throw new IllegalArgumentException("no API key " + keyId);
        }
        return new GatewayClient(gateway.url(), key);
    }

    /** The client of the default key ({@code e2e}). */
    GatewayClient api() {
        return api("e2e");
    }

    String apiKey(String keyId) {
        return settings.apiKeys.get(keyId);
    }

    /** The job's {@code status.json} as the worker wrote it; fails when there is none. */
    JobStatus status(String id) throws Exception {
        return statusIfAny(id).orElseThrow(() -> new AssertionError("job " + id + " has no status.json"));
    }

    Optional<JobStatus> statusIfAny(String id) throws Exception {
        return object(JobKeys.status(id)).map(ContractJson::readStatus);
    }

    /** An object of the jobs bucket, read straight from S3. */
    Optional<byte[]> object(String key) throws Exception {
        try (GetObjectResponse in = minio.getObject(
                GetObjectArgs.builder().bucket(BUCKET).object(key).build())) {
            return Optional.of(in.readAllBytes());
        } catch (ErrorResponseException e) {
            if ("NoSuchKey".equals(e.errorResponse().code())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    void putObject(String key, byte[] bytes, String contentType) throws Exception {
        minio.putObject(PutObjectArgs.builder().bucket(BUCKET).object(key).stream(
                        new ByteArrayInputStream(bytes), bytes.length, -1)
                .contentType(contentType)
                .build());
    }

    /** Where s3proxy's filesystem backend keeps an object of the jobs bucket. */
    Path objectFile(String key) {
        return s3.dir().resolve("data").resolve(BUCKET).resolve(key);
    }

    /** Publishes raw bytes to {@code nightmare-requests}, as a broken or hostile producer would. */
    void publishRequest(String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "max.request.size", "2000000"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.REQUESTS, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    /** The dead-letter record with this key; fails when none arrives within 30 s. */
    ConsumerRecord<String, byte[]> deadLetter(String key) {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(Topics.REQUESTS_DEAD_LETTER, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
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

    /** Every event on {@code nightmare-events} so far (readable ones), oldest first. */
    List<JobEvent> allEvents() {
        List<JobEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            TopicPartition partition = new TopicPartition(Topics.EVENTS, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() - until < 0) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        events.add(ContractJson.readEvent(record.value()));
                    } catch (ContractException e) {
                        // Not an event this test wrote or reads.
                    }
                }
            }
        }
        return events;
    }

    /** The events of one job so far, oldest first. */
    List<JobEvent> events(String jobId) {
        return allEvents().stream().filter(e -> e.jobId().equals(jobId)).toList();
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private Map<String, String> platformConfig() {
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

    /** Stops every process (SIGTERM, then SIGKILL); the logs and data stay under {@link #work()}. */
    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(workers.values());
        all.add(gateway);
        all.add(modelStore);
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
}
