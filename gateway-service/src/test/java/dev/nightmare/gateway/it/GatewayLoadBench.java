package dev.nightmare.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.gateway.testing.TestImages;
import dev.nightmare.platform.LocalKafka;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.Ports;
import dev.nightmare.platform.testing.AppProcess;
import dev.nightmare.platform.testing.TestDirs;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Accept-rate benchmark (not part of the test suite: run it by name, see docs/benchmarks.md): one
 * gateway process with real Kafka, S3 and model-store; an open-loop generator sends multipart
 * submissions of a small PNG at fixed rates to {@code POST /v1/nightmares} and, as the reference
 * in the same run, the same bodies to {@code POST /v1/noop}. Latency is measured from each
 * request's scheduled send time, so a stalled server cannot hide its queueing (no coordinated
 * omission).
 */
class GatewayLoadBench {
    static final String KEY = "bench-key-0123456789";
    static final String OPTIONS = "{\"model\":\"tiny\",\"layer\":5,\"rounds\":1,\"iters\":1,\"octaves\":1}";

    record Result(
            String endpoint,
            int rate,
            int sent,
            int accepted,
            int refused,
            int failed,
            double p50,
            double p99,
            double max,
            double achievedRate) {
        String row() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d | %d | %.1f | %.1f | %.1f | %.0f |",
                    endpoint,
                    rate,
                    sent,
                    accepted,
                    refused + failed,
                    p50,
                    p99,
                    max,
                    achievedRate);
        }
    }

    @Test
    void acceptRateAndLatency() throws Exception {
        Path storeJar = Path.of("../model-store/target/quarkus-app/quarkus-run.jar");
        Path gatewayJar = Path.of(System.getProperty("nightmare.gateway.app", "target/quarkus-app/quarkus-run.jar"));
        Assumptions.assumeTrue(
                Files.exists(storeJar) && Files.exists(gatewayJar), "package model-store and gateway first");
        int seconds = Integer.getInteger("bench.seconds", 20);
        int[] rates = Arrays.stream(
                        System.getProperty("bench.rates", "50,100,200").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        Path work = TestDirs.create("gateway-bench");
        try (LocalKafka kafka = LocalKafka.start(work.resolve("kafka"));
                LocalS3 s3 = LocalS3.start(work.resolve("s3"))) {
            s3.createBucket("nightmare");
            Path models = Files.createDirectories(work.resolve("models"));
            Path shared = Path.of(System.getProperty("nightmare.shared.dir", "../../shared"))
                    .resolve("models");
            Files.copy(shared.resolve("tiny.cfg"), models.resolve("tiny.cfg"));
            Files.createSymbolicLink(
                    models.resolve("tiny.weights"),
                    shared.resolve("tiny.weights").toAbsolutePath());
            try (AppProcess store = AppProcess.start(
                    "model-store",
                    storeJar,
                    Ports.free(),
                    AppProcess.TEST_JVM,
                    Map.of(
                            "nightmare.model-store.models-dir", models.toString(),
                            "nightmare.model-store.data-dir",
                                    work.resolve("store-data").toString(),
                            "nightmare.model-store.auth.service-tokens", "svc-token-0123456789"),
                    work)) {
                Map<String, String> config = new HashMap<>();
                config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
                config.put("nightmare.s3.endpoint", s3.endpoint());
                config.put("nightmare.s3.access-key", s3.accessKey());
                config.put("nightmare.s3.secret-key", s3.secretKey());
                config.put("nightmare.model-store.url", store.url());
                config.put("nightmare.model-store.token", "svc-token-0123456789");
                config.put("nightmare.jobs.id-secret", "bench-secret-0123456789");
                config.put("nightmare.auth.keys.bench", KEY);
                config.put("nightmare.limits.submissions-per-minute", "1000000");
                config.put("nightmare.limits.submission-burst", "100000");
                config.put("nightmare.limits.concurrent-jobs", "1000000");
                config.put("quarkus.log.category.\"dev.nightmare\".level", "WARN");
                config.put("nightmare.bench.noop-enabled", "true");
                store.awaitReady(Duration.ofSeconds(60));
                try (AppProcess gateway =
                        AppProcess.start("gateway", gatewayJar, Ports.free(), AppProcess.TEST_JVM, config, work)) {
                    gateway.awaitReady(Duration.ofSeconds(60));
                    byte[] image = TestImages.png(64, 48);
                    HttpClient http = HttpClient.newBuilder().build();
                    // Warm-up: JIT, connections, model metadata and cfg caches.
                    run(http, gateway, "/v1/nightmares", image, 50, 10);
                    run(http, gateway, "/v1/noop", image, 50, 5);
                    List<Result> results = new ArrayList<>();
                    for (int rate : rates) {
                        results.add(run(http, gateway, "/v1/noop", image, rate, seconds));
                        results.add(run(http, gateway, "/v1/nightmares", image, rate, seconds));
                    }
                    System.out.println("image: " + image.length + " bytes PNG (64×48); " + seconds + " s per step");
                    System.out.println(
                            "| endpoint | offered /s | sent | accepted | refused/failed | p50 ms | p99 ms | max ms | accepted /s |");
                    System.out.println("|---|---|---|---|---|---|---|---|---|");
                    results.forEach(r -> System.out.println(r.row()));
                    assertThat(results).allSatisfy(r -> assertThat(r.accepted()).isPositive());
                }
            }
        }
    }

    static Result run(HttpClient http, AppProcess gateway, String path, byte[] image, int rate, int seconds)
            throws Exception {
        String boundary = "----bench";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"in.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n" + OPTIONS
                        + "\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.UTF_8));
        byte[] bytes = body.toByteArray();
        int total = rate * seconds;
        double[] latencies = new double[total];
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<CompletableFuture<?>> inFlight = new ArrayList<>(total);
        long start = System.nanoTime();
        long intervalNanos = 1_000_000_000L / rate;
        for (int i = 0; i < total; i++) {
            long scheduled = start + i * intervalNanos;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            int n = i;
            HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + path))
                    .header("Authorization", "Bearer " + KEY)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                    .build();
            inFlight.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .handle((response, error) -> {
                        latencies[n] = (System.nanoTime() - scheduled) / 1e6;
                        if (error != null) {
                            failed.incrementAndGet();
                        } else if (response.statusCode() == 202) {
                            accepted.incrementAndGet();
                        } else {
                            refused.incrementAndGet();
                        }
                        return null;
                    }));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        double[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new Result(
                path,
                rate,
                total,
                accepted.get(),
                refused.get(),
                failed.get(),
                sorted[(int) (0.50 * (total - 1))],
                sorted[(int) (0.99 * (total - 1))],
                sorted[total - 1],
                accepted.get() / elapsed);
    }
}
