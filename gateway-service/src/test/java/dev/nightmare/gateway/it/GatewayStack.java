package dev.nightmare.gateway.it;

import dev.nightmare.contracts.Topics;
import dev.nightmare.platform.LocalKafka;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.AppProcess;
import dev.nightmare.platform.testing.TestDirs;
import io.minio.MinioClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Assumptions;

/**
 * One packaged gateway as a process with everything it talks to for real: a Kafka broker, an S3
 * server and the packaged model-store serving {@code tiny} from {@code ../shared/models}. For
 * tests that use the gateway from outside, as a client would (the web page in a browser).
 */
final class GatewayStack implements AutoCloseable {
    static final String BUCKET = "nightmare";

    final Path work;
    final LocalKafka kafka;
    final LocalS3 s3;
    final MinioClient minio;
    final AppProcess modelStore;
    final AppProcess gateway;

    private GatewayStack(
            Path work, LocalKafka kafka, LocalS3 s3, MinioClient minio, AppProcess modelStore, AppProcess gateway) {
        this.work = work;
        this.kafka = kafka;
        this.s3 = s3;
        this.minio = minio;
        this.modelStore = modelStore;
        this.gateway = gateway;
    }

    /** Skips the calling test class (with the reason) when the gateway or the model-store is not packaged. */
    static void assumePackaged() {
        Assumptions.assumeTrue(Files.exists(gatewayJar()), "the gateway is not packaged: " + gatewayJar());
        Assumptions.assumeTrue(
                Files.exists(storeJar()),
                "the model-store is not packaged (build it first): "
                        + storeJar().toAbsolutePath());
    }

    /**
     * Starts the stack under {@code target/local-platform/<name>-*}.
     *
     * @param keys API keys by owner id
     * @param extra further gateway configuration
     */
    static GatewayStack start(String name, Map<String, String> keys, Map<String, String> extra) throws Exception {
        Path work = TestDirs.create(name);
        LocalKafka kafka = LocalKafka.start(work.resolve("kafka"));
        LocalS3 s3 = LocalS3.start(work.resolve("s3"));
        s3.createBucket(BUCKET);
        MinioClient minio = MinioClient.builder()
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
        Path models = Files.createDirectories(work.resolve("models"));
        Path shared = Path.of(System.getProperty("nightmare.shared.dir", "../../shared"))
                .resolve("models");
        Files.copy(shared.resolve("tiny.cfg"), models.resolve("tiny.cfg"));
        Files.createSymbolicLink(
                models.resolve("tiny.weights"), shared.resolve("tiny.weights").toAbsolutePath());
        AppProcess modelStore = AppProcess.start(
                "model-store",
                storeJar(),
                AppProcess.TEST_JVM,
                Map.of(
                        "nightmare.model-store.models-dir",
                        models.toString(),
                        "nightmare.model-store.data-dir",
                        work.resolve("model-store-data").toString(),
                        "nightmare.model-store.auth.service-tokens",
                        "svc-token-0123456789",
                        "nightmare.model-store.auth.admin-tokens",
                        "admin-token-0123456789"),
                work);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        config.put("nightmare.s3.endpoint", s3.endpoint());
        config.put("nightmare.s3.access-key", s3.accessKey());
        config.put("nightmare.s3.secret-key", s3.secretKey());
        config.put("nightmare.s3.region", s3.region());
        config.put("nightmare.s3.bucket", BUCKET);
        config.put("nightmare.model-store.url", modelStore.url());
        config.put("nightmare.model-store.token", "svc-token-0123456789");
        config.put("nightmare.jobs.id-secret", "it-shared-secret-0123456789");
        keys.forEach((owner, key) -> config.put("nightmare.auth.keys." + owner, key));
        config.putAll(extra);
        AppProcess gateway = AppProcess.start("gateway", gatewayJar(), AppProcess.TEST_JVM, config, work);
        GatewayStack stack = new GatewayStack(work, kafka, s3, minio, modelStore, gateway);
        try {
            modelStore.awaitReady(Duration.ofSeconds(60));
            gateway.awaitReady(Duration.ofSeconds(60));
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private static Path gatewayJar() {
        return Path.of(System.getProperty("nightmare.gateway.app", "target/quarkus-app/quarkus-run.jar"));
    }

    private static Path storeJar() {
        return Path.of("../model-store/target/quarkus-app/quarkus-run.jar");
    }

    String url() {
        return gateway.url();
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {gateway, modelStore, kafka, s3}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // Best effort: every server is also stopped by its shutdown hook.
            }
        }
    }
}
