package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.contracts.Topics;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.platform.LocalKafka;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.AppProcess;
import dev.nightmare.platform.testing.TestDirs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/**
 * The service path's own cost (not part of the test suite: run it by name, see docs/benchmarks.md):
 * one gateway, one worker on the CPU backend, the model-store, real Kafka and S3, all as processes.
 *
 * <ol>
 *   <li>Overhead: submit (POST) → round 0 announced on the SSE stream (its image is stored before
 *       the event), minus the engine's compute time for that round as the worker reports it
 *       ({@code timings.lastRoundMillis}); median over sequential jobs after warm-up.
 *   <li>Start-up: worker process launched → {@code /q/health/ready} answers 200, serving vgg-conv
 *       (synthetic weights, 59 MB) already in the worker's model cache; median of restarts.
 * </ol>
 */
class ServicePathBench {
    private static final String API_KEY = "bench-key-0123456789";
    private static final String TOKEN = "bench-service-token-01";
    private static final String BUCKET = "nightmare";
    private static final String OPTIONS =
            "{\"model\":\"tiny\",\"layer\":4,\"rounds\":1,\"iters\":2,\"octaves\":2,\"format\":\"jpg\",\"seed\":3}";
    private static final Pattern READY_IN = Pattern.compile("ready in (\\d+) ms");

    @Test
    void measureServicePath() throws Exception {
        int warmup = Integer.getInteger("warmup", 3);
        int jobs = Integer.getInteger("jobs", 20);
        int restarts = Integer.getInteger("restarts", 3);
        Path work = TestDirs.create("bench");
        List<String> report = new ArrayList<>();
        try (LocalKafka kafka = LocalKafka.start(work.resolve("kafka"));
                LocalS3 s3 = LocalS3.start(work.resolve("s3"))) {
            s3.createBucket(BUCKET);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(
                                new NewTopic(Topics.REQUESTS, 1, (short) 1), new NewTopic(Topics.EVENTS, 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            Path models = Files.createDirectories(work.resolve("models"));
            Files.copy(Shared.models().resolve("tiny.cfg"), models.resolve("tiny.cfg"));
            Files.createSymbolicLink(
                    models.resolve("tiny.weights"), Shared.models().resolve("tiny.weights"));
            Files.copy(Shared.models().resolve("vgg-conv.cfg"), models.resolve("vgg-conv.cfg"));
            Files.createSymbolicLink(
                    models.resolve("vgg-conv.weights"),
                    Shared.syntheticWeights("vgg-conv").toAbsolutePath());
            Map<String, String> platform = Map.of(
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "nightmare.s3.endpoint", s3.endpoint(),
                    "nightmare.s3.access-key", s3.accessKey(),
                    "nightmare.s3.secret-key", s3.secretKey(),
                    "nightmare.s3.region", s3.region(),
                    "nightmare.s3.bucket", BUCKET);
            try (AppProcess store = AppProcess.start(
                    "model-store",
                    app("nightmare.model-store.app"),
                    List.of("-Xmx256m"),
                    Map.of(
                            "nightmare.model-store.models-dir", models.toString(),
                            "nightmare.model-store.data-dir",
                                    work.resolve("store-data").toString(),
                            "nightmare.model-store.auth.service-tokens", TOKEN),
                    work)) {
                store.awaitReady(Duration.ofSeconds(120));
                Map<String, String> gatewayConfig = new HashMap<>(platform);
                gatewayConfig.put("nightmare.model-store.url", store.url());
                gatewayConfig.put("nightmare.model-store.token", TOKEN);
                gatewayConfig.put("nightmare.jobs.id-secret", "bench-shared-secret-0123456789");
                gatewayConfig.put("nightmare.auth.keys.bench", API_KEY);
                gatewayConfig.put("nightmare.limits.submissions-per-minute", "100000");
                gatewayConfig.put("nightmare.limits.submission-burst", "1000");
                Map<String, String> workerConfig = new HashMap<>(platform);
                workerConfig.put("nightmare.model-store.url", store.url());
                workerConfig.put("nightmare.model-store.token", TOKEN);
                workerConfig.put("nightmare.worker.id", "bench-worker");
                workerConfig.put("nightmare.worker.models", "tiny,vgg-conv");
                workerConfig.put(
                        "nightmare.worker.model-cache-dir",
                        work.resolve("worker-models").toString());
                List<String> workerJvm =
                        List.of("-Xmx1g", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED");
                try (AppProcess gateway = AppProcess.start(
                                "gateway", app("nightmare.gateway.app"), List.of("-Xmx384m"), gatewayConfig, work);
                        AppProcess worker = AppProcess.start(
                                "worker", app("nightmare.worker.app"), workerJvm, workerConfig, work)) {
                    gateway.awaitReady(Duration.ofSeconds(120));
                    worker.awaitReady(Duration.ofSeconds(300));
                    report.addAll(overhead(new GatewayClient(gateway.url(), API_KEY), worker, warmup, jobs));
                }
                report.addAll(startup(workerJvm, workerConfig, work, restarts));
            }
        }
        String text = String.join("\n", report);
        System.out.println(text);
        Files.writeString(Path.of("target", "service-path-bench.md"), text + "\n");
    }

    private static List<String> overhead(GatewayClient api, AppProcess worker, int warmup, int jobs) throws Exception {
        Map<String, double[]> before = Map.of();
        byte[] input = ImageCodec.encode(
                ImageCodec.read(Shared.images().resolve("scream_240x300.png"), 1_000_000), ImageCodec.Format.PNG);
        List<Double> totals = new ArrayList<>();
        List<Double> computes = new ArrayList<>();
        List<Double> overheads = new ArrayList<>();
        List<Double> posts = new ArrayList<>();
        for (int i = 0; i < warmup + jobs; i++) {
            long began = System.nanoTime();
            String id = api.submit(input, OPTIONS);
            long posted = System.nanoTime();
            long announced;
            try (SseStream sse = api.events(id)) {
                sse.await(
                        e -> e.name().equals("round")
                                || (e.name().equals("state")
                                        && e.data()
                                                        .path("progress")
                                                        .path("roundsDone")
                                                        .asInt()
                                                >= 1),
                        Duration.ofSeconds(60));
                announced = System.nanoTime();
                sse.untilFinal(Duration.ofSeconds(60));
            }
            JsonNode job = api.job(id);
            assertThat(job.get("state").asText()).isEqualTo("succeeded");
            if (i < warmup) {
                before = timers(worker);
                continue;
            }
            double total = (announced - began) / 1e6;
            double compute = job.get("timings").get("lastRoundMillis").asDouble();
            totals.add(total);
            computes.add(compute);
            overheads.add(total - compute);
            posts.add((posted - began) / 1e6);
        }
        Map<String, double[]> after = timers(worker);
        return List.of(
                "### Service path overhead (" + LocalDate.now() + ", " + jobs + " jobs after " + warmup
                        + " warm-up, tiny layer 4, 240×300, 1 round × 2 iterations, CPU backend)",
                "",
                "| measure | median ms | min ms | max ms |",
                "|---|---|---|---|",
                row("POST /v1/nightmares (202)", posts),
                row("submit → round 0 on the SSE stream", totals),
                row("engine compute of round 0 (worker-reported)", computes),
                row("**overhead** (submit → round 0, minus compute)", overheads),
                "",
                "Worker-side means over the same jobs (its Prometheus timers):",
                "",
                "| worker timer | mean ms |",
                "|---|---|",
                mean("queue wait: gateway accepted → worker took it", "nightmare_worker_queue_wait", before, after),
                mean("prepare: delivery → first iteration", "nightmare_worker_job_prepare", before, after),
                mean("round compute (engine)", "nightmare_worker_round_compute", before, after),
                mean("round store: ownership check, S3 writes, event", "nightmare_worker_round_store", before, after),
                "");
    }

    private static final Pattern TIMER =
            Pattern.compile("(?m)^(nightmare_worker_[a-z_]+)_seconds_(sum|count)(?:\\{[^}]*\\})? ([0-9.eE+-]+)$");

    /** {@code name → [sum seconds, count]} of the worker's timers. */
    private static Map<String, double[]> timers(AppProcess worker) throws Exception {
        String text = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(worker.url() + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Map<String, double[]> timers = new HashMap<>();
        Matcher m = TIMER.matcher(text);
        while (m.find()) {
            double[] t = timers.computeIfAbsent(m.group(1), k -> new double[2]);
            t[m.group(2).equals("sum") ? 0 : 1] += Double.parseDouble(m.group(3));
        }
        return timers;
    }

    private static String mean(String what, String name, Map<String, double[]> before, Map<String, double[]> after) {
        double[] b = before.getOrDefault(name, new double[2]);
        double[] a = after.getOrDefault(name, new double[2]);
        double count = a[1] - b[1];
        return String.format(
                Locale.ROOT,
                "| %s | %s |",
                what,
                count == 0 ? "–" : String.format(Locale.ROOT, "%.0f", 1000 * (a[0] - b[0]) / count));
    }

    private static List<String> startup(List<String> jvm, Map<String, String> config, Path work, int restarts)
            throws Exception {
        Map<String, String> vggOnly = new HashMap<>(config);
        vggOnly.put("nightmare.worker.models", "vgg-conv");
        List<Double> launchToReady = new ArrayList<>();
        List<Double> ownReady = new ArrayList<>();
        for (int i = 0; i < restarts; i++) {
            long began = System.nanoTime();
            try (AppProcess worker =
                    AppProcess.start("worker-start-" + i, app("nightmare.worker.app"), jvm, vggOnly, work)) {
                awaitReadyQuickly(worker);
                launchToReady.add((System.nanoTime() - began) / 1e6);
                Matcher m = READY_IN.matcher(worker.log());
                if (m.find()) {
                    ownReady.add(Double.parseDouble(m.group(1)));
                }
                assertThat(worker.log()).doesNotContain("fetched into");
            }
        }
        return List.of(
                "### Worker start → ready, vgg-conv (synthetic weights, 59 MB) in the model cache (" + restarts
                        + " restarts)",
                "",
                "| measure | median ms | min ms | max ms |",
                "|---|---|---|---|",
                row("process launched → /q/health/ready 200", launchToReady),
                row("of which after Quarkus started (worker's own \"ready in\")", ownReady),
                "");
    }

    /** Polls readiness every 20 ms (AppProcess polls every 100 ms). */
    private static void awaitReadyQuickly(AppProcess worker) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long until = System.nanoTime() + Duration.ofSeconds(300).toNanos();
        while (System.nanoTime() - until < 0) {
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(worker.url() + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // Not listening yet.
            }
            Thread.sleep(20);
        }
        throw new AssertionError("worker not ready:\n" + worker.tail());
    }

    private static Path app(String property) {
        return Path.of(System.getProperty(property, "missing-" + property));
    }

    private static String row(String what, List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        double median = sorted.size() % 2 == 1
                ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return String.format(
                Locale.ROOT, "| %s | %.0f | %.0f | %.0f |", what, median, sorted.getFirst(), sorted.getLast());
    }
}
