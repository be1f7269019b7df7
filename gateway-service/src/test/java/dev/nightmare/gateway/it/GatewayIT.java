package dev.nightmare.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.Topics;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.gateway.service.WebhookPolicy;
import dev.nightmare.gateway.testing.TestImages;
import dev.nightmare.platform.LocalKafka;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.Ports;
import dev.nightmare.platform.testing.AppProcess;
import dev.nightmare.platform.testing.TestDirs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.messages.Item;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two gateway replicas (the packaged app, as processes) against a real Kafka broker, a real S3
 * server and the real model-store, with a test worker playing the worker's side of the contract.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayIT {
    static final String ALICE = "alice-key-0123456789";
    static final String BOB = "bob-key-0123456789ab";
    static final String WEBHOOK_SECRET = "it-webhook-secret";
    static final String BUCKET = "nightmare";
    static final String TINY = "{\"model\":\"tiny\",\"layer\":5,\"rounds\":2,\"iters\":1,\"octaves\":1}";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static LocalKafka kafka;
    static LocalS3 s3;
    static MinioClient minio;
    static AppProcess modelStore;
    static AppProcess gatewayA;
    static AppProcess gatewayB;
    static HttpServer hookServer;
    static final BlockingQueue<Map<String, String>> hooks = new LinkedBlockingQueue<>();
    static TestWorker worker;
    static Path work;

    @BeforeAll
    static void startServers() throws Exception {
        Path gatewayJar = Path.of(System.getProperty("nightmare.gateway.app", "target/quarkus-app/quarkus-run.jar"));
        Path storeJar = Path.of("../model-store/target/quarkus-app/quarkus-run.jar");
        Assumptions.assumeTrue(Files.exists(gatewayJar), "the gateway is not packaged: " + gatewayJar);
        Assumptions.assumeTrue(
                Files.exists(storeJar),
                "the model-store is not packaged (build it first): " + storeJar.toAbsolutePath());
        work = TestDirs.create("gateway-it");
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
                            new NewTopic(Topics.REQUESTS, 3, (short) 1), new NewTopic(Topics.EVENTS, 3, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        hookServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hookServer.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            hooks.add(Map.of(
                    "body", new String(body, StandardCharsets.UTF_8),
                    "signature", String.valueOf(exchange.getRequestHeaders().getFirst(WebhookPolicy.SIGNATURE_HEADER)),
                    "event", String.valueOf(exchange.getRequestHeaders().getFirst("Nightmare-Event")),
                    "id", String.valueOf(exchange.getRequestHeaders().getFirst(WebhookPolicy.STANDARD_ID_HEADER)),
                    "timestamp",
                            String.valueOf(
                                    exchange.getRequestHeaders().getFirst(WebhookPolicy.STANDARD_TIMESTAMP_HEADER)),
                    "standard",
                            String.valueOf(
                                    exchange.getRequestHeaders().getFirst(WebhookPolicy.STANDARD_SIGNATURE_HEADER))));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hookServer.start();

        Path models = Files.createDirectories(work.resolve("models"));
        Path shared = Path.of(System.getProperty("nightmare.shared.dir", "../../shared"))
                .resolve("models");
        Files.copy(shared.resolve("tiny.cfg"), models.resolve("tiny.cfg"));
        Files.createSymbolicLink(
                models.resolve("tiny.weights"), shared.resolve("tiny.weights").toAbsolutePath());
        int storePort = Ports.free();
        modelStore = AppProcess.start(
                "model-store",
                storeJar,
                storePort,
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
        config.put("nightmare.auth.keys.alice", ALICE);
        config.put("nightmare.auth.keys.bob", BOB);
        config.put(
                "nightmare.webhooks.allowed-hosts",
                "127.0.0.1:" + hookServer.getAddress().getPort());
        config.put("nightmare.webhooks.secret", WEBHOOK_SECRET);
        config.put("nightmare.limits.max-upload-bytes", "1000000");
        config.put("nightmare.limits.max-pixels", "4000000");
        config.put("nightmare.kafka.publish-timeout-millis", "2000");
        gatewayA = AppProcess.start("gateway-a", gatewayJar, Ports.free(), AppProcess.TEST_JVM, config, work);
        gatewayB = AppProcess.start("gateway-b", gatewayJar, Ports.free(), AppProcess.TEST_JVM, config, work);
        modelStore.awaitReady(Duration.ofSeconds(60));
        gatewayA.awaitReady(Duration.ofSeconds(60));
        gatewayB.awaitReady(Duration.ofSeconds(60));
        worker = new TestWorker(minio, BUCKET, kafka.bootstrapServers());
    }

    @AfterAll
    static void stopServers() {
        for (AutoCloseable c : new AutoCloseable[] {worker, gatewayA, gatewayB, modelStore, kafka, s3}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // Best effort: every server is also stopped by its shutdown hook.
            }
        }
        if (hookServer != null) {
            hookServer.stop(0);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    static HttpResponse<String> submit(
            AppProcess gateway, String key, byte[] image, String options, Map<String, String> extra) throws Exception {
        String boundary = "----it" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "image\"; filename=\"in.png", "image/png", image);
        part(body, boundary, "options", "application/json", options.getBytes(StandardCharsets.UTF_8));
        if (extra.containsKey("callbackUrl")) {
            part(
                    body,
                    boundary,
                    "callbackUrl",
                    "text/plain",
                    extra.get("callbackUrl").getBytes(StandardCharsets.UTF_8));
        }
        if (extra.containsKey("webhookEvents")) {
            part(
                    body,
                    boundary,
                    "webhookEvents",
                    "text/plain",
                    extra.get("webhookEvents").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/nightmares"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (extra.containsKey("Idempotency-Key")) {
            request.header("Idempotency-Key", extra.get("Idempotency-Key"));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void part(ByteArrayOutputStream body, String boundary, String name, String type, byte[] bytes) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: "
                        + type + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> get(AppProcess gateway, String key, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway.url() + path))
                        .header("Authorization", "Bearer " + key)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<byte[]> getBytes(AppProcess gateway, String key, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway.url() + path))
                        .header("Authorization", "Bearer " + key)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<String> send(AppProcess gateway, String key, String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway.url() + path))
                        .header("Authorization", "Bearer " + key)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String accepted(AppProcess gateway) throws Exception {
        HttpResponse<String> r = submit(gateway, ALICE, TestImages.png(64, 48), TINY, Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body()).get("id").asText();
    }

    static List<String> keys(String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> item : minio.listObjects(ListObjectsArgs.builder()
                .bucket(BUCKET)
                .prefix(prefix)
                .recursive(true)
                .build())) {
            keys.add(item.get().objectName());
        }
        return keys;
    }

    static boolean exists(String key) {
        try {
            minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Opens an SSE stream and collects its lines until the server ends it. */
    /** A job's event stream being read: {@code subscribed} completes with its first event, {@code lines} at its end. */
    record EventStream(CompletableFuture<Void> subscribed, CompletableFuture<List<String>> lines) {}

    static EventStream stream(AppProcess gateway, String id) throws Exception {
        HttpResponse<Stream<String>> open = HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/nightmares/" + id + "/events"))
                        .header("Authorization", "Bearer " + ALICE)
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(open.statusCode()).isEqualTo(200);
        // The gateway subscribes to the job's live events before it sends the first (its state).
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> open.body()
                .peek(line -> {
                    if (line.startsWith("event:")) {
                        subscribed.complete(null);
                    }
                })
                .toList());
        return new EventStream(subscribed, lines);
    }

    static List<String> eventNames(List<String> lines) {
        return lines.stream()
                .filter(l -> l.startsWith("event:"))
                .map(l -> l.substring(6).trim())
                .toList();
    }

    // ---- tests ---------------------------------------------------------------------------------

    @Test
    @Order(1)
    void submissionLandsOnTheRequestsTopicWithItsInputInS3() throws Exception {
        String id = accepted(gatewayA);
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", "it-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        JobRequest found = null;
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.REQUESTS));
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (found == null && System.nanoTime() < until) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key().equals(id)) {
                        found = ContractJson.readRequest(record.value());
                    }
                }
            }
        }
        assertThat(found).as("request %s on %s", id, Topics.REQUESTS).isNotNull();
        assertThat(found.options().model()).isEqualTo("tiny");
        assertThat(found.modelSha256()).hasSize(64);
        Image input = ImageCodec.decode(worker.get(found.inputKey()), "input", 1 << 20);
        assertThat(input.width()).isEqualTo(64);
        assertThat(ContractJson.readRequest(worker.get(JobKeys.request(id)))).isEqualTo(found);
    }

    @Test
    @Order(2)
    void statusAndEventsFollowTheWorkerAndBothReplicasAgree() throws Exception {
        String id = accepted(gatewayA);
        EventStream sse = stream(gatewayB, id);
        sse.subscribed().get(30, TimeUnit.SECONDS);
        worker.run(id);
        List<String> lines = sse.lines().get(30, TimeUnit.SECONDS);
        assertThat(eventNames(lines)).startsWith("state").endsWith("succeeded").contains("started", "round");
        assertThat(eventNames(lines).stream().filter("round"::equals)).hasSize(2);

        JsonNode a = JSON.readTree(get(gatewayA, ALICE, "/v1/nightmares/" + id).body());
        JsonNode b = JSON.readTree(get(gatewayB, ALICE, "/v1/nightmares/" + id).body());
        assertThat(a).isEqualTo(b);
        assertThat(a.get("state").asText()).isEqualTo("succeeded");
        assertThat(a.get("rounds")).hasSize(2);
        assertThat(a.at("/run/seed").asLong()).isEqualTo(a.at("/options/seed").asLong());

        for (AppProcess g : List.of(gatewayA, gatewayB)) {
            HttpResponse<byte[]> image = getBytes(g, ALICE, "/v1/nightmares/" + id + "/rounds/1");
            assertThat(image.statusCode()).isEqualTo(200);
            assertThat(image.headers().firstValue("Content-Type")).hasValue("image/jpeg");
            assertThat(image.body()).isEqualTo(worker.get(JobKeys.roundImage(id, 1, "jpg")));
        }
        JsonNode presigned = JSON.readTree(get(gatewayB, ALICE, "/v1/nightmares/" + id + "/rounds/0?presigned=true")
                .body());
        HttpResponse<byte[]> direct = HTTP.send(
                HttpRequest.newBuilder(URI.create(presigned.get("url").asText()))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(direct.statusCode()).isEqualTo(200);
        assertThat(direct.body()).isEqualTo(worker.get(JobKeys.roundImage(id, 0, "jpg")));
    }

    @Test
    @Order(3)
    void lateClientGetsTheFinalStateFirst() throws Exception {
        String id = accepted(gatewayB);
        worker.run(id);
        List<String> lines = stream(gatewayA, id).lines().get(15, TimeUnit.SECONDS);
        assertThat(eventNames(lines)).containsExactly("state");
        assertThat(String.join("\n", lines)).contains("\"state\":\"succeeded\"");
    }

    @Test
    @Order(4)
    void anotherKeySeesNothingOnEitherReplica() throws Exception {
        String id = accepted(gatewayA);
        for (AppProcess g : List.of(gatewayA, gatewayB)) {
            assertThat(get(g, BOB, "/v1/nightmares/" + id).statusCode()).isEqualTo(404);
            assertThat(get(g, BOB, "/v1/nightmares/" + id + "/events").statusCode())
                    .isEqualTo(404);
            assertThat(send(g, BOB, "POST", "/v1/nightmares/" + id + "/cancel").statusCode())
                    .isEqualTo(404);
            assertThat(send(g, BOB, "DELETE", "/v1/nightmares/" + id).statusCode())
                    .isEqualTo(404);
            assertThat(get(g, "wrong-key-0123456789", "/v1/nightmares/" + id).statusCode())
                    .isEqualTo(401);
        }
        assertThat(exists(JobKeys.request(id))).isTrue();
        assertThat(exists(JobKeys.cancel(id))).isFalse();
    }

    @Test
    @Order(5)
    void everyKindOfValidationErrorIsRefusedBeforeAnythingIsQueued() throws Exception {
        record Case(byte[] image, String options, int status, String field) {}
        List<Case> cases = List.of(
                new Case(TestImages.png(32, 32), "{\"model\":\"nope\",\"layer\":1}", 422, "model"),
                new Case(TestImages.png(32, 32), "{\"model\":\"tiny\",\"layer\":99}", 422, "layer"),
                new Case(TestImages.png(32, 32), "{\"model\":\"tiny\",\"layer\":0,\"range\":5}", 422, "range"),
                new Case(TestImages.png(32, 32), "{\"model\":\"tiny\",\"layer\":5,\"rounds\":0}", 422, "rounds"),
                new Case(TestImages.png(32, 32), "{\"model\":\"tiny\",\"layer\":5,\"iters\":100001}", 422, "iters"),
                new Case(TestImages.png(32, 32), "{\"model\":\"tiny\",\"layer\":5,\"rate\":1e39}", 400, "rate"),
                new Case(TestImages.png(2, 2), "{\"model\":\"tiny\",\"layer\":5,\"octaves\":4}", 422, "octaves"),
                new Case(TestImages.png(32, 32), "{\"model\":\"tiny\",\"layer\":5,\"zoom\":0}", 422, "zoom"),
                new Case(TestImages.png(32, 32), "{\"model\":\"tiny\",\"layer\":5,\"size\":3}", 400, "size"),
                new Case("not an image".getBytes(StandardCharsets.UTF_8), TINY, 415, "image"),
                new Case(TestImages.truncatedPng(), TINY, 422, "image"),
                new Case(TestImages.pngClaiming(50_000, 50_000), TINY, 422, "image"),
                new Case(new byte[1_000_001], TINY, 413, "image"));
        int before = keys("jobs/").size();
        for (Case c : cases) {
            HttpResponse<String> r = submit(gatewayB, ALICE, c.image(), c.options(), Map.of());
            assertThat(r.statusCode()).as(c.options() + " → " + r.body()).isEqualTo(c.status());
            if (c.status() != 413 || r.body().startsWith("{")) {
                assertThat(JSON.readTree(r.body()).findValuesAsText("field"))
                        .as(r.body())
                        .contains(c.field());
            }
        }
        assertThat(keys("jobs/")).hasSize(before);
    }

    @Test
    @Order(6)
    void idempotencyKeyGivesOneJobAcrossReplicas() throws Exception {
        byte[] image = TestImages.png(32, 32);
        Map<String, String> key = Map.of("Idempotency-Key", "chat-42-msg-7");
        HttpResponse<String> first = submit(gatewayA, ALICE, image, TINY, key);
        HttpResponse<String> second = submit(gatewayB, ALICE, image, TINY, key);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(second.statusCode()).isEqualTo(202);
        String id = JSON.readTree(first.body()).get("id").asText();
        assertThat(JSON.readTree(second.body()).get("id").asText()).isEqualTo(id);
        assertThat(second.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(keys("owners/").stream().filter(k -> k.endsWith(id))).hasSize(1);
    }

    @Test
    @Order(7)
    void cancelOnOneReplicaWritesTheMarkerTheOtherReports() throws Exception {
        String id = accepted(gatewayA);
        HttpResponse<String> r = send(gatewayB, ALICE, "POST", "/v1/nightmares/" + id + "/cancel");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(exists(JobKeys.cancel(id))).isTrue();
        assertThat(JSON.readTree(get(gatewayA, ALICE, "/v1/nightmares/" + id).body())
                        .get("cancelRequested")
                        .asBoolean())
                .isTrue();
    }

    @Test
    @Order(8)
    void deleteRemovesEverythingOfTheJob() throws Exception {
        String id = accepted(gatewayA);
        worker.run(id);
        assertThat(keys(JobKeys.prefix(id))).isNotEmpty();
        assertThat(send(gatewayB, ALICE, "DELETE", "/v1/nightmares/" + id).statusCode())
                .isEqualTo(204);
        assertThat(keys(JobKeys.prefix(id))).isEmpty();
        assertThat(keys("owners/").stream().filter(k -> k.endsWith(id))).isEmpty();
        assertThat(get(gatewayA, ALICE, "/v1/nightmares/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(9)
    void webhookIsDeliveredSignedToAnAllowedHostAndRefusedForAnother() throws Exception {
        int port = hookServer.getAddress().getPort();
        HttpResponse<String> refused = submit(
                gatewayA,
                ALICE,
                TestImages.png(32, 32),
                TINY,
                Map.of("callbackUrl", "http://localhost:" + port + "/hook"));
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("callbackUrl");

        hooks.clear();
        HttpResponse<String> r = submit(
                gatewayA,
                ALICE,
                TestImages.png(32, 32),
                TINY,
                // Without the filter the started event would come too.
                Map.of("callbackUrl", "http://127.0.0.1:" + port + "/hook", "webhookEvents", "round,completed"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = JSON.readTree(r.body()).get("id").asText();
        worker.run(id);
        List<Map<String, String>> got = new ArrayList<>();
        while (got.size() < 3) {
            Map<String, String> hook = hooks.poll(30, TimeUnit.SECONDS);
            assertThat(hook).as("webhook %d of 3", got.size() + 1).isNotNull();
            got.add(hook);
        }
        assertThat(got).extracting(h -> h.get("event")).containsExactlyInAnyOrder("round", "round", "succeeded");
        for (Map<String, String> hook : got) {
            String signature = hook.get("signature");
            long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
            assertThat(Math.abs(System.currentTimeMillis() / 1000 - t)).isLessThan(60);
            assertThat(signature)
                    .isEqualTo(WebhookPolicy.signature(
                            WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8),
                            t,
                            hook.get("body").getBytes(StandardCharsets.UTF_8)));
            assertThat(hook.get("body")).contains(id);
            assertThat(hook.get("timestamp")).isEqualTo(Long.toString(t));
            assertThat(hook.get("standard"))
                    .isEqualTo(WebhookPolicy.standardSignature(
                            WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8),
                            hook.get("id"),
                            t,
                            hook.get("body").getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(got)
                .extracting(h -> h.get("id"))
                .containsExactlyInAnyOrder(id + "-round-0", id + "-round-1", id + "-completed");
        assertThat(hooks.poll(1, TimeUnit.SECONDS))
                .as("each event delivered by one replica only")
                .isNull();
    }

    @Test
    @Order(20)
    void kafkaDownGivesA503NotAHang() throws Exception {
        kafka.stop();
        try {
            long started = System.nanoTime();
            HttpResponse<String> r = submit(gatewayA, ALICE, TestImages.png(32, 32), TINY, Map.of());
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(millis).as("answered within the publish timeout").isLessThan(10_000);
        } finally {
            kafka.restart();
        }
    }
}
