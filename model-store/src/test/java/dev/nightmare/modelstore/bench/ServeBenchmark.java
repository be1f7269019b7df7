package dev.nightmare.modelstore.bench;

import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.platform.LocalS3;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.UploadObjectArgs;
import io.minio.http.Method;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model-store's serving benchmark (issue target: ≥ 0.8× the S3 server's throughput for
 * vgg-conv-sized weights over loopback, and 8 concurrent clients without the heap growing beyond
 * its buffers). Starts s3proxy, puts synthetic vgg-conv weights (59 MB) in a bucket, starts the
 * packaged store ({@code target/quarkus-app}) with a capped heap on that bucket, then downloads the
 * same bytes from both with the same HTTP client, alternating, and finally 8 at once while
 * sampling the store's heap from {@code /q/metrics}. Not a test: run it by hand (see
 * docs/benchmarks.md); bounded in rounds and time.
 */
public final class ServeBenchmark {
    private static final int ROUNDS = Integer.getInteger("rounds", 7);
    private static final int CLIENTS = Integer.getInteger("clients", 8);
    private static final String STORE_HEAP = System.getProperty("storeHeap", "128m");
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ServeBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of("target", "bench").toAbsolutePath();
        Files.createDirectories(work);
        Path cfg = Shared.models().resolve("vgg-conv.cfg");
        Path weights = work.resolve("vgg-conv.weights");
        if (!Files.exists(weights)) {
            SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), SyntheticWeights.DEFAULT_SEED, weights);
        }
        long size = Files.size(weights);
        System.out.printf("weights: %s, %.1f MB%n", weights, size / 1e6);

        try (LocalS3 s3 = LocalS3.start(Files.createTempDirectory(work, "s3-"))) {
            MinioClient minio = MinioClient.builder()
                    .endpoint(s3.endpoint())
                    .credentials(s3.accessKey(), s3.secretKey())
                    .region(s3.region())
                    .build();
            minio.makeBucket(MakeBucketArgs.builder().bucket("models").build());
            for (Path file : List.of(cfg, weights)) {
                minio.uploadObject(UploadObjectArgs.builder()
                        .bucket("models")
                        .object(file.getFileName().toString())
                        .filename(file.toString())
                        .build());
            }
            URI direct = URI.create(minio.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Method.GET)
                    .bucket("models")
                    .object("vgg-conv.weights")
                    .expiry(3600)
                    .build()));

            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            Path storeLog = work.resolve("model-store.log");
            Process store = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx" + STORE_HEAP,
                            "-Dquarkus.http.port=" + port,
                            "-Dnightmare.model-store.auth.enabled=false",
                            "-Dnightmare.model-store.bucket=models",
                            "-Dnightmare.model-store.data-dir=" + Files.createTempDirectory(work, "store-data-"),
                            "-Dnightmare.s3.endpoint=" + s3.endpoint(),
                            "-Dnightmare.s3.access-key=" + s3.accessKey(),
                            "-Dnightmare.s3.secret-key=" + s3.secretKey(),
                            "-jar",
                            Path.of("target", "quarkus-app", "quarkus-run.jar").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(storeLog.toFile())
                    .start();
            try {
                URI base = URI.create("http://127.0.0.1:" + port);
                awaitReady(base, store);
                URI served = base.resolve("/v1/models/vgg-conv/weights");
                System.out.printf(
                        "store pid %d (-Xmx%s), s3proxy pid %d, %d rounds%n",
                        store.pid(), STORE_HEAP, s3.pid(), ROUNDS);

                // Warm both JITs and page caches, then alternate so drift hits both alike.
                for (int i = 0; i < 2; i++) {
                    download(direct, size);
                    download(served, size);
                }
                List<Double> s3Rates = new ArrayList<>();
                List<Double> storeRates = new ArrayList<>();
                for (int i = 0; i < ROUNDS; i++) {
                    s3Rates.add(download(direct, size));
                    storeRates.add(download(served, size));
                }
                double s3Median = median(s3Rates);
                double storeMedian = median(storeRates);
                System.out.printf(
                        "one client, MB/s (median of %d): s3proxy %.0f, model-store %.0f → ratio %.2f%n",
                        ROUNDS, s3Median, storeMedian, storeMedian / s3Median);

                long idleHeap = heapUsed(base);
                AtomicLong peakHeap = new AtomicLong(idleHeap);
                AtomicBoolean sampling = new AtomicBoolean(true);
                Thread sampler = Thread.ofVirtual().start(() -> {
                    while (sampling.get()) {
                        try {
                            peakHeap.accumulateAndGet(heapUsed(base), Math::max);
                            Thread.sleep(250);
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                // Alternating batches, sampled throughout, so the sampler's load and drift hit both alike.
                List<Double> s3Batches = new ArrayList<>();
                List<Double> storeBatches = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    s3Batches.add(concurrent(direct, size));
                    storeBatches.add(concurrent(served, size));
                }
                sampling.set(false);
                sampler.join();
                double s3Concurrent = median(s3Batches);
                double storeConcurrent = median(storeBatches);
                System.out.printf(
                        "%d clients at once, aggregate MB/s (median of 3 batches): s3proxy %.0f, model-store %.0f → ratio %.2f%n",
                        CLIENTS, s3Concurrent, storeConcurrent, storeConcurrent / s3Concurrent);
                System.out.printf(
                        "store heap used: idle %.0f MB, peak during %d concurrent downloads %.0f MB (cap %s; %d × %.0f MB"
                                + " = %.0f MB were in flight)%n",
                        idleHeap / 1e6,
                        CLIENTS,
                        peakHeap.get() / 1e6,
                        STORE_HEAP,
                        CLIENTS,
                        size / 1e6,
                        CLIENTS * size / 1e6);
            } finally {
                store.destroy();
                store.waitFor();
            }
        }
    }

    /** Downloads {@code uri} once into a discarding buffer; MB/s. */
    private static double download(URI uri, long expected) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long bytes = drain(uri);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (bytes != expected) {
            throw new IOException(uri + " sent " + bytes + " bytes, expected " + expected);
        }
        return bytes / 1e6 / seconds;
    }

    private static long drain(URI uri) throws IOException, InterruptedException {
        HttpResponse<InputStream> response =
                HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IOException(uri + " → " + response.statusCode());
        }
        long bytes = 0;
        byte[] buffer = new byte[1 << 18];
        try (InputStream in = response.body()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes += n;
            }
        }
        return bytes;
    }

    /** {@link #CLIENTS} downloads of the whole file at once, 2 each; aggregate MB/s. */
    private static double concurrent(URI uri, long size) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            long start = System.nanoTime();
            List<Future<Long>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                results.add(pool.submit(() -> drain(uri) + drain(uri)));
            }
            long bytes = 0;
            for (Future<Long> f : results) {
                bytes += f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (bytes != 2L * CLIENTS * size) {
                throw new IOException("concurrent downloads sent " + bytes + " bytes");
            }
            return bytes / 1e6 / seconds;
        }
    }

    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\",[^}]*} ([0-9.E+]+)");

    private static long heapUsed(URI base) throws IOException, InterruptedException {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(base.resolve("/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = HEAP.matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return (long) total;
    }

    private static void awaitReady(URI base, Process store) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!store.isAlive()) {
                throw new IllegalStateException("the store exited; see target/bench/model-store.log");
            }
            try {
                if (HTTP.send(
                                        HttpRequest.newBuilder(base.resolve("/q/health/ready"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Still starting.
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the store was not ready in 120 s");
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
