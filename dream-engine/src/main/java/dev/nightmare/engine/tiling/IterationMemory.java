package dev.nightmare.engine.tiling;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.util.List;
import java.util.Optional;

/**
 * The memory one iteration holds, from the cfg alone: whole, or in tiles. For admission (the
 * services) and for sizing tiles where a backend gives no estimate of its own (the reference).
 */
public final class IterationMemory {
    private static final int FLOAT_BYTES = 4;

    /**
     * Image-sized floats a tiled run holds per pixel of its input besides one tile's state: the
     * image and its gradient and the decoded input (3 floats a pixel each), and at a shrinking
     * octave the working-size gradient the tiles' cores fill (at most 3 × 0.5625).
     */
    public static final int TILED_FLOATS_PER_PIXEL = 11;

    private IterationMemory() {}

    /** Bytes of the buffers one whole iteration at {@code width × height} holds for layers 0..last. */
    public static long wholeBytes(NetworkSpec spec, int last, int width, int height) {
        List<Shape> shapes = spec.outputShapes(width, height, last);
        long image = 3L * width * height;
        long floats = 2 * image; // the image and its gradient
        long largest = image;
        for (int i = 0; i <= last; i++) {
            long size = shapes.get(i).size();
            LayerSpec layer = spec.layer(i);
            floats += size;
            if (layer instanceof ConvolutionalSpec conv && conv.batchNormalize()) {
                floats += size; // pre-normalisation values for the backward pass
            } else if (layer instanceof MaxpoolSpec) {
                floats += size; // where each maximum came from
            }
            largest = Math.max(largest, size);
        }
        floats += shapes.get(last).size(); // the target's gradient
        floats += 2 * largest; // two gradient buffers the backward pass alternates between
        return floats * FLOAT_BYTES;
    }

    /** The smallest tile worth its halos: a core twice the halo (the tile then does 4× the core's work). */
    public static int smallestSensibleTile(ReceptiveField field) {
        return Math.max(TilePlan.shortestTile(field), 4 * field.halo());
    }

    /** {@link #leastBytes(NetworkSpec, int, int, int, BatchNormGradient)} with darknet's batch-norm gradient. */
    public static long leastBytes(NetworkSpec spec, int last, int width, int height) {
        return leastBytes(spec, last, width, height, BatchNormGradient.DARKNET);
    }

    /**
     * The least memory an iteration at {@code width × height} runs in with the given batch-norm
     * gradient: whole, or, for layers that tile exactly, the image-sized buffers plus the state of
     * a tile whose core is twice its halo (smaller tiles spend most of their work on halos).
     */
    public static long leastBytes(NetworkSpec spec, int last, int width, int height, BatchNormGradient batchNorm) {
        long whole = wholeBytes(spec, last, width, height);
        Optional<ReceptiveField> field =
                ReceptiveField.of(spec, last, batchNorm).tileable();
        if (field.isEmpty()) {
            return whole;
        }
        int tile = smallestSensibleTile(field.get());
        long tiled = (long) TILED_FLOATS_PER_PIXEL * FLOAT_BYTES * width * height
                + wholeBytes(spec, last, Math.min(tile, width), Math.min(tile, height));
        return Math.min(whole, tiled);
    }
}
