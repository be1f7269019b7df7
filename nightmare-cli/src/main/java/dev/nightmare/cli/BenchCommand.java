package dev.nightmare.cli;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.ForwardArithmetic;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.dream.WorkEstimate;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SyntheticWeights;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * {@code nightmare bench}: seconds per full-size nightmare iteration (jitter, forward to LAYER,
 * threshold gradient, backward to the input, normalised step: what {@code torch_peer.py} times),
 * GFLOP/s and % of a given peak, one JSON line per (size, layer), median of repeated iterations
 * after warm-up. The FLOP are those of direct convolution (forward + backward data) whatever the
 * backend runs: with Winograd (the {@code onednn} default) the rate is "direct-equivalent" and
 * can pass the machine's peak.
 */
final class BenchCommand {
    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] words) throws Exception {
        Arguments args = Arguments.parse(
                words,
                Set.of(
                        "cfg",
                        "weights",
                        "sizes",
                        "layers",
                        "backend",
                        "backend-options",
                        "threads",
                        "iters",
                        "warmup",
                        "peak-gflops",
                        "arithmetic"),
                Set.of());
        if (!args.has("cfg")) {
            throw new UsageException(
                    "bench needs --cfg CFG, e.g. nightmare bench --cfg vgg-conv.cfg --sizes 256,512 --layers 10");
        }
        Path cfg = Path.of(args.string("cfg", ""));
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        int iters = args.integer("iters", 7);
        int warmup = args.integer("warmup", 2);
        // Zen 5 with AVX-512 at its nominal 2.1 GHz: 64 FLOP/cycle/core (shared/spec/PLATFORM.md).
        double peak = args.number("peak-gflops", 134.4f * threads);
        ForwardArithmetic arithmetic = switch (args.string("arithmetic", "fast")) {
            case "fast" -> ForwardArithmetic.FAST;
            case "darknet" -> ForwardArithmetic.DARKNET;
            default -> throw new UsageException("--arithmetic must be fast or darknet");
        };
        Model model = loadModel(cfg, args.string("weights", null));
        try (Backend backend = Backends.discover()
                        .create(
                                args.string("backend", Backends.AUTO),
                                new BackendConfig(threads, args.keyValues("backend-options")),
                                line -> err.println("bench: " + line));
                DreamSession session = backend.open(model, SessionOptions.DEFAULT.withForwardArithmetic(arithmetic))) {
            // A warm loop is what this measures: the backend's code at full speed, as a warm worker runs it.
            backend.warmUp();
            for (String sizeWord : args.string("sizes", "256").split(",")) {
                int size = Integer.parseInt(sizeWord.strip());
                for (String layerWord : args.string("layers", "10").split(",")) {
                    int layer = Integer.parseInt(layerWord.strip());
                    Timings timings = time(session, size, layer, warmup, iters);
                    double[] seconds = timings.seconds();
                    double flop = WorkEstimate.forwardAndBackwardFlops(model.spec(), layer, size, size);
                    double median = median(seconds);
                    out.println(String.format(
                            Locale.ROOT,
                            "{\"peer\":\"nightmare\",\"backend\":\"%s\",\"arithmetic\":\"%s\",\"cfg\":\"%s\",\"size\":%d,\"layer\":%d,\"threads\":%d,"
                                    + "\"median_s\":%.5f,\"min_s\":%.5f,\"gflop\":%.2f,\"gflops\":%.1f,\"peak_pct\":%.1f,"
                                    + "\"peak_rss_mib\":%d,\"first_s\":%.5f}",
                            backend.name(),
                            arithmetic.name().toLowerCase(Locale.ROOT),
                            cfg.getFileName(),
                            size,
                            layer,
                            threads,
                            median,
                            Arrays.stream(seconds).min().orElse(0),
                            flop / 1e9,
                            flop / 1e9 / median,
                            100 * flop / 1e9 / median / peak,
                            peakRssMib(),
                            timings.first()));
                    out.flush();
                }
            }
        }
        return 0;
    }

    private Model loadModel(Path cfg, String weights) throws IOException {
        if (weights != null) {
            return Model.load(cfg, Path.of(weights), w -> {});
        }
        NetworkSpec spec = NetworkSpec.read(cfg, w -> {});
        Path tmp = Files.createTempFile("bench-", ".weights");
        try {
            SyntheticWeights.write(spec, SyntheticWeights.DEFAULT_SEED, tmp);
            return Model.load(cfg, tmp, w -> {});
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The measured iterations' seconds, and the first iteration's at this size: its preparation
     * included (primitives made, buffers sized), what a job at a size the process has not seen pays.
     */
    private record Timings(double first, double[] seconds) {}

    private static Timings time(DreamSession session, int size, int layer, int warmup, int iters) {
        float[] pixels = new float[3 * size * size];
        var rng = new SyntheticWeights.SplitMix64(1);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) rng.uniform();
        }
        LayerStack stack = session.stack(layer, size, size);
        Jitter none = new Jitter(0, 0, false);
        double[] seconds = new double[iters];
        double first = 0;
        try (Tensor image = session.allocate(new Shape(3, size, size));
                Tensor gradient = session.allocate(new Shape(3, size, size))) {
            session.write(image, pixels);
            for (int i = 0; i < warmup + iters; i++) {
                long t0 = System.nanoTime();
                session.optimize(image, gradient, stack, none, 1f, 0.04f, true);
                // A device backend finishes its queue when stats are read.
                session.takeStats();
                double elapsed = (System.nanoTime() - t0) / 1e9;
                if (i == 0) {
                    first = elapsed;
                }
                if (i >= warmup) {
                    seconds[i - warmup] = elapsed;
                }
            }
        }
        return new Timings(first, seconds);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static long peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: report nothing rather than fail the benchmark.
        }
        return -1;
    }
}
