package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SyntheticWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The backend's warm-up ({@link CpuBackend#warmUp}): whole iterations of a small synthetic network
 * with every layer form the served models use — a direct 3-channel first layer, Winograd layers with
 * bias and ReLU, with bias and leaky, and batch-normalised, 2×2 maxpools after ReLU and leaky, a 1×1
 * batch-normalised layer, a direct 3×3 layer — at two sizes (interior and border tiles), flipped and
 * not, a hundred iterations and until an iteration's time has settled (8 s at most): then the JIT
 * has compiled the Java kernels at its top tier. Nothing it computes is kept.
 */
final class WarmUp {
    private WarmUp() {}

    static final String CFG = """
            [net]
            width=48
            height=40
            channels=3
            [convolutional]
            filters=64
            size=3
            stride=1
            pad=1
            activation=relu
            [convolutional]
            filters=64
            size=3
            stride=1
            pad=1
            activation=relu
            [maxpool]
            size=2
            stride=2
            [convolutional]
            batch_normalize=1
            filters=64
            size=3
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            filters=64
            size=3
            stride=1
            pad=1
            activation=leaky
            [maxpool]
            size=2
            stride=2
            [convolutional]
            batch_normalize=1
            filters=32
            size=1
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            filters=64
            size=3
            stride=1
            pad=1
            activation=leaky
            """;

    /**
     * Iterations at least (the JIT's thresholds are counts: ~100 iterations call every kernel and
     * run its loops thousands of times), and at most, and the most time spent: on a loaded machine
     * an iteration's time also measures how long the other worker thread waits to be scheduled.
     */
    private static final int MIN_ITERATIONS = 100;

    private static final int MAX_ITERATIONS = 400;

    private static final long MAX_NANOS = 8_000_000_000L;

    /** Consecutive iterations within {@link #SETTLED} of the fastest that end it. */
    private static final int STEADY = 8;

    private static final double SETTLED = 1.5;

    /** Runs the warm-up on a session {@code open} makes (and this closes); returns the iterations run. */
    static int run(Function<Model, DreamSession> open) {
        Model model = model();
        int[][] sizes = {{48, 40}, {37, 29}};
        long began = System.nanoTime();
        long fastest = Long.MAX_VALUE;
        int steady = 0;
        int it = 0;
        try (DreamSession s = open.apply(model);
                Tensor image = s.allocate(new Shape(3, 40, 48));
                Tensor gradient = s.allocate(new Shape(3, 40, 48))) {
            float[] pixels = new float[3 * 40 * 48];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (i * 37 % 101) / 100f;
            }
            s.write(image, pixels);
            for (; it < MAX_ITERATIONS && System.nanoTime() - began < MAX_NANOS; it++) {
                long t0 = System.nanoTime();
                int[] size = sizes[it % 2];
                int target = it % 3 == 2 ? 4 : 7;
                s.optimize(
                        image,
                        gradient,
                        s.stack(target, size[0], size[1]),
                        new Jitter(it % 5 - 2, 2 - it % 3, it % 4 < 2),
                        1f,
                        0.04f,
                        true);
                long took = System.nanoTime() - t0;
                fastest = Math.min(fastest, took);
                steady = took <= fastest * SETTLED ? steady + 1 : 0;
                if (it >= MIN_ITERATIONS && steady >= STEADY) {
                    break;
                }
            }
            s.endRun();
        }
        return it;
    }

    private static Model model() {
        try {
            Path dir = Files.createTempDirectory("nightmare-warm-up");
            try {
                Path cfg = Files.writeString(dir.resolve("warm-up.cfg"), CFG);
                Path weights = dir.resolve("warm-up.weights");
                SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), SyntheticWeights.DEFAULT_SEED, weights);
                return Model.load(cfg, weights, w -> {});
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the warm-up model", e);
        }
    }
}
