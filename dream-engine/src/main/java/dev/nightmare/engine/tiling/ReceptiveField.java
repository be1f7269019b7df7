package dev.nightmare.engine.tiling;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.NetworkSpec;
import java.util.Optional;

/**
 * How far layers {@code 0..target} see: an output cell of the target layer at position {@code y}
 * depends on input columns (and, the same, rows) {@code y·stride − before … y·stride + after}. A
 * tile whose input reaches {@link #halo()} past its core on every inner side computes the core's
 * input gradient exactly (docs/tiling.md): every cell on a path from a core pixel to the target
 * sees only the tile's input, and tile origins on multiples of {@link #stride()} keep every
 * layer's grid where the whole image has it.
 *
 * @param stride the product of the layers' strides (tile origins are multiples of it)
 * @param before how far left (up) of {@code y·stride} an output cell reaches
 * @param after how far right (down) it reaches
 */
public record ReceptiveField(int stride, int before, int after) {
    /**
     * Layers {@code 0..target} of {@code spec}, or why they cannot be tiled exactly: only
     * convolutions and maxpools keep every cell local (an avgpool or softmax sees the whole layer),
     * and darknet's batch-norm gradient sums over every position of a channel.
     */
    public static Tileability of(NetworkSpec spec, int target, BatchNormGradient batchNorm) {
        int stride = 1;
        int before = 0;
        int after = 0;
        for (int i = 0; i <= target; i++) {
            LayerSpec layer = spec.layer(i);
            int size;
            int offset;
            int step;
            if (layer instanceof ConvolutionalSpec conv) {
                if (conv.batchNormalize() && batchNorm == BatchNormGradient.DARKNET) {
                    return new Tileability(
                            null,
                            "layer " + i + " is batch-normalised and darknet's batch-norm"
                                    + " gradient sums over the whole layer (--bn-gradient exact tiles)");
                }
                size = conv.size();
                offset = -conv.padding();
                step = conv.stride();
            } else if (layer instanceof MaxpoolSpec pool) {
                size = pool.size();
                offset = pool.offset();
                step = pool.stride();
            } else {
                return new Tileability(null, "layer " + i + " (" + layer.type() + ") sees the whole layer below it");
            }
            // A cell at x of this layer reads cells x·step + offset … x·step + offset + size − 1 below.
            before += Math.max(0, -offset) * stride;
            after += Math.max(0, offset + size - 1) * stride;
            stride *= step;
        }
        return new Tileability(new ReceptiveField(stride, before, after), null);
    }

    /**
     * How far a tile's input reaches past its core on an inner side: the receptive field's whole
     * span (a core pixel's gradient comes from target cells up to one span away, each of which
     * reads up to one span further), rounded up to a multiple of the stride.
     */
    public int halo() {
        int span = before + after;
        return Math.ceilDiv(span, stride) * stride;
    }

    /** A receptive field, or why the layers cannot be tiled exactly. */
    public record Tileability(ReceptiveField field, String whyNot) {
        public Optional<ReceptiveField> tileable() {
            return Optional.ofNullable(field);
        }
    }
}
