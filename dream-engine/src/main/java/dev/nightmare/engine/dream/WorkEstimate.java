package dev.nightmare.engine.dream;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.engine.tiling.IterationMemory;
import java.util.List;
import java.util.Locale;

/**
 * What a run will cost, before it runs: its arithmetic and the memory its largest iteration holds,
 * from the model's layers, the options and the input size alone. The admission rule of the
 * services ({@link AdmissionRule}) compares these with the operator's budget, so that work no
 * worker should run is refused at submission, not after hours.
 *
 * <p>Arithmetic: each iteration runs the layers up to the target forward and back (backward data
 * only, no weight gradients: as many multiply-adds as the forward), at the working size of its
 * octave ({@code 1/1.33333333^k} of the input for octave k, drawn uniformly from {@code 0..octaves-1})
 * and for the deepest layer {@code -range} can pick. Only convolutions are counted (pooling and
 * activations are a few percent). Memory: the least one iteration at the largest working size
 * (octave 0) and deepest layer can run in ({@link IterationMemory#leastBytes}: in tiles, for
 * layers that tile exactly).
 *
 * @param flops multiply-adds × 2 over the whole run (all rounds and iterations)
 * @param flopsPerIteration at the largest working size
 * @param peakBytes the largest iteration's buffers, in bytes
 * @param workingPixels the largest working image, width × height
 * @param iterations rounds × iterations per round
 */
public record WorkEstimate(long flops, long flopsPerIteration, long peakBytes, long workingPixels, long iterations) {
    private static final int FLOAT_BYTES = 4;
    /** A backward pass through a convolution (input gradient only) costs one forward. */
    private static final int FORWARD_AND_BACKWARD = 2;

    /**
     * The estimate for {@code options} on {@code spec} with a {@code width × height} input. The
     * options must pass {@link Nightmare#problems} first (every octave's size must run).
     */
    public static WorkEstimate of(NetworkSpec spec, NightmareOptions options, int width, int height) {
        return of(spec, options, BatchNormGradient.DARKNET, width, height);
    }

    /**
     * {@link #of(NetworkSpec, NightmareOptions, int, int)} for a run with the given batch-norm
     * gradient: with the exact one, batch-normalised layers tile, so their least memory is a tile's.
     */
    public static WorkEstimate of(
            NetworkSpec spec, NightmareOptions options, BatchNormGradient batchNorm, int width, int height) {
        int deepest = options.reconstruct()
                ? options.layer() - 1
                : options.layer() + options.range() - 1 - options.range() / 2;
        int w = options.reconstruct() ? spec.width() : width;
        int h = options.reconstruct() ? spec.height() : height;
        int octaves = options.reconstruct() ? 1 : Math.max(1, options.octaves());
        double meanFlops = 0;
        long largest = 0;
        for (int octave = 0; octave < octaves; octave++) {
            float scale = options.reconstruct() ? 1f : new IterationDraws(0, octave, 0, 0, false).scale();
            long flops = forwardAndBackwardFlops(spec, deepest, (int) (w * scale), (int) (h * scale));
            meanFlops += (double) flops / octaves;
            largest = Math.max(largest, flops);
        }
        long iterations = (long) options.rounds() * options.iters();
        long total = (long) Math.min(Long.MAX_VALUE, meanFlops * iterations);
        long peak = options.reconstruct()
                ? IterationMemory.wholeBytes(spec, deepest, w, h)
                : IterationMemory.leastBytes(spec, deepest, w, h, batchNorm);
        return new WorkEstimate(total, largest, peak, (long) w * h, iterations);
    }

    /**
     * Multiply-adds × 2 of one iteration's forward and backward pass through layers 0..last at
     * {@code width × height}, counted as direct convolution (Winograd layers do fewer).
     */
    public static long forwardAndBackwardFlops(NetworkSpec spec, int last, int width, int height) {
        List<Shape> shapes = spec.outputShapes(width, height, last);
        long macs = 0;
        for (int i = 0; i <= last; i++) {
            if (spec.layer(i) instanceof ConvolutionalSpec conv) {
                macs += shapes.get(i).size() * conv.size() * conv.size() * spec.inputChannels(i);
            }
        }
        return 2 * FORWARD_AND_BACKWARD * macs;
    }

    /** "1.2 TFLOP", "850 GFLOP": arithmetic as a person reads it. */
    public static String flopsInWords(long flops) {
        if (flops >= 1_000_000_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f PFLOP", flops / 1e15);
        }
        if (flops >= 1_000_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f TFLOP", flops / 1e12);
        }
        return String.format(Locale.ROOT, "%.1f GFLOP", flops / 1e9);
    }

    /** "1.5 GiB", "300 MiB". */
    public static String bytesInWords(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
    }
}
