package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.random.RandomMode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The GPU check's benchmark (scripts/gpu-check.sh): one nightmare iteration of a cfg's layer at a
 * square size in FP32, TF32 and FP32 with any cuDNN algorithm (median of synchronised iterations),
 * TF32's effect on the image, the website's scream run end to end (image decode, model load,
 * weights upload, every round, JPEG encode) and device memory. Prints and appends {@code
 * key<TAB>value} lines to {@code OUT/bench.tsv}.
 *
 * <pre>GpuBench CFG WEIGHTS IMAGE OUT_DIR [size=512] [layer=10] [iters=20]</pre>
 *
 * <p>WEIGHTS is generated (synthetic, spec/SYNTHETIC_WEIGHTS.md) when it does not exist.
 *
 * <p>Benchmark code, not a test (see the module README): it lives in src/test so that it stays out
 * of the shipped jar; the GPU pack carries it in {@code dream-engine-cuda-tests.jar}.
 */
public final class GpuBench {
    private final PrintWriter tsv;

    private GpuBench(PrintWriter tsv) {
        this.tsv = tsv;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: GpuBench CFG WEIGHTS IMAGE OUT_DIR [size] [layer] [iters]");
            System.exit(2);
        }
        Path cfg = Path.of(args[0]);
        Path weights = Path.of(args[1]);
        Path imageFile = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int size = args.length > 4 ? Integer.parseInt(args[4]) : 512;
        int layer = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        int iters = args.length > 6 ? Integer.parseInt(args[6]) : 20;
        Files.createDirectories(out);
        if (!Files.exists(weights)) {
            long t = System.nanoTime();
            SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), SyntheticWeights.DEFAULT_SEED, weights);
            System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", weights, (System.nanoTime() - t) / 1e9);
        }
        try (PrintWriter tsv = new PrintWriter(Files.newBufferedWriter(
                out.resolve("bench.tsv"),
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND))) {
            GpuBench bench = new GpuBench(tsv);
            Model model = Model.load(cfg, weights, w -> {});
            String what = model.name() + " L" + layer + " " + size + "²";
            float[][] fp32 = bench.iteration(model, what, size, layer, iters, Map.of());
            float[][] tf32 = bench.iteration(model, what, size, layer, iters, Map.of(CudaOptions.TF32, "true"));
            bench.iteration(model, what, size, layer, iters, Map.of(CudaOptions.ALGORITHMS, "any"));
            bench.tf32Effect(fp32, tf32);
            bench.scream(cfg, weights, imageFile, out, layer);
        }
    }

    private void put(String key, String value) {
        String line = key + "\t" + value;
        System.out.println(line);
        tsv.println(line);
        tsv.flush();
    }

    /**
     * Median and fastest synchronised iteration; returns the image after 10 seeded iterations
     * (first element) for comparing precisions.
     */
    private float[][] iteration(Model model, String what, int size, int layer, int iters, Map<String, String> props) {
        try (CudaBackend backend = (CudaBackend) new CudaBackendProvider().create(new BackendConfig(1, props));
                CudaSession session = (CudaSession) backend.open(model, SessionOptions.DEFAULT)) {
            String label = what + " " + backend.options().precision();
            float[] start = new float[3 * size * size];
            SplittableRandom random = new SplittableRandom(0);
            for (int i = 0; i < start.length; i++) {
                start[i] = (float) random.nextDouble();
            }
            try (Tensor image = session.allocate(new Shape(3, size, size));
                    Tensor gradient = session.allocate(new Shape(3, size, size))) {
                session.write(image, start);
                LayerStack stack = session.stack(layer, size, size);
                Jitter jitter = new Jitter(0, 0, false);
                for (int i = 0; i < 3; i++) {
                    session.optimize(image, gradient, stack, jitter, 1f, 0.04f, true);
                }
                session.synchronize();
                double[] ms = new double[iters];
                for (int i = 0; i < iters; i++) {
                    long t = System.nanoTime();
                    session.optimize(image, gradient, stack, jitter, 1f, 0.04f, true);
                    session.synchronize();
                    ms[i] = (System.nanoTime() - t) / 1e6;
                }
                Arrays.sort(ms);
                put("iteration " + label + " median ms", String.format(Locale.ROOT, "%.2f", ms[iters / 2]));
                put("iteration " + label + " min ms", String.format(Locale.ROOT, "%.2f", ms[0]));
                put("iteration " + label + " session peak", StackMemory.size(session.memoryPeakBytes()));
                put(
                        "iteration " + label + " algorithms",
                        session.describePlans().strip().replace('\n', ';'));

                // Ten seeded iterations with varying jitter from the same start, to compare precisions.
                session.write(image, start);
                SplittableRandom draws = new SplittableRandom(1);
                for (int i = 0; i < 10; i++) {
                    Jitter j = new Jitter(draws.nextInt(16) - 8, draws.nextInt(16) - 8, draws.nextBoolean());
                    session.optimize(image, gradient, stack, j, 1f, 0.04f, true);
                }
                float[] after = new float[start.length];
                session.read(image, after);
                return new float[][] {after, start};
            }
        }
    }

    private void tf32Effect(float[][] fp32, float[][] tf32) {
        double max = 0, sum = 0, change = 0;
        long over = 0;
        for (int i = 0; i < fp32[0].length; i++) {
            double d = Math.abs((double) fp32[0][i] - tf32[0][i]);
            max = Math.max(max, d);
            sum += d;
            change += Math.abs((double) fp32[0][i] - fp32[1][i]);
            if (d > 1.0 / 255) {
                over++;
            }
        }
        int n = fp32[0].length;
        put(
                "tf32 vs fp32 after 10 iterations",
                String.format(
                        Locale.ROOT,
                        "max|diff| %.3g, mean|diff| %.3g, %.2f%% off by >1/255 (mean change %.3g)",
                        max,
                        sum / n,
                        100.0 * over / n,
                        change / n));
    }

    /** darknet's website example, end to end in this JVM, then again warm; writes each round's JPEG. */
    private void scream(Path cfg, Path weights, Path imageFile, Path out, int layer) throws Exception {
        NightmareOptions website = NightmareOptions.builder(layer)
                .range(3)
                .iters(20)
                .rate(0.01f)
                .rounds(4)
                .random(RandomMode.DARKNET, 0)
                .build();
        NightmareOptions defaults =
                NightmareOptions.builder(layer).random(RandomMode.DARKNET, 0).build();
        for (String run : List.of("cold", "warm")) {
            screamRun(
                    "scream website (-range 3 -iters 20 -rate .01 -rounds 4) " + run,
                    website,
                    cfg,
                    weights,
                    imageFile,
                    out);
        }
        screamRun("scream defaults (1 round × 10 iters)", defaults, cfg, weights, imageFile, out);
    }

    private void screamRun(String label, NightmareOptions options, Path cfg, Path weights, Path imageFile, Path out)
            throws Exception {
        long t0 = System.nanoTime();
        Image input = ImageCodec.read(imageFile, ImageCodec.DEFAULT_MAX_PIXELS);
        Model model = Model.load(cfg, weights, w -> {});
        long loaded = System.nanoTime();
        List<Long> computeNanos = new ArrayList<>();
        try (CudaBackend backend = (CudaBackend) new CudaBackendProvider().create(BackendConfig.defaults());
                CudaSession session = (CudaSession) backend.open(model, SessionOptions.DEFAULT)) {
            long opened = System.nanoTime();
            new Nightmare(session).run(input, options, round -> {
                computeNanos.add(round.computeNanos());
                Path jpg = out.resolve(String.format(
                        Locale.ROOT, "scream_%s_%d_%06d.jpg", model.name(), options.layer(), round.round()));
                Files.write(jpg, ImageCodec.encode(round.checkpoint().image(), ImageCodec.Format.JPG));
            });
            long done = System.nanoTime();
            double compute = computeNanos.stream().mapToLong(Long::longValue).sum() / 1e9;
            put(label + " total s", String.format(Locale.ROOT, "%.2f", (done - t0) / 1e9));
            put(label + " image decode + model load s", String.format(Locale.ROOT, "%.2f", (loaded - t0) / 1e9));
            put(
                    label + " after model load s (backend, weights upload, rounds, JPEGs)",
                    String.format(Locale.ROOT, "%.2f", (done - loaded) / 1e9));
            put(
                    label + " on an open session s (rounds, JPEGs)",
                    String.format(Locale.ROOT, "%.2f", (done - opened) / 1e9));
            put(label + " iterations s", String.format(Locale.ROOT, "%.2f", compute));
            put(label + " session peak", StackMemory.size(session.memoryPeakBytes()));
            put(label + " device memory in use", StackMemory.size(backend.totalBytes() - backend.freeBytes()));
        }
    }
}
