package dev.nightmare.engine.tiling;

import dev.nightmare.engine.backend.BackwardState;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.Regions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.tiling.TilePlan.Span;
import dev.nightmare.engine.tiling.TilePlan.Tile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One iteration (shared/spec/NIGHTMARE.md steps 3–10) over the tiles of a {@link TilePlan},
 * equal to the untiled iteration up to float summation order. The two whole-image statistics are
 * reduced over every tile before they are used: step 5's mean and deviation of the target layer
 * (a first pass forwards every tile and sums its core's cells; the second thresholds each tile's
 * output with the whole layer's cut-off and back-propagates) and step 9's of the image gradient
 * (the backend's own step, on the assembled gradient). A tile's activations are gone once the
 * next tile runs, so the first pass keeps each tile's compact {@link BackwardState} (its
 * activations' signs, its maxpools' winners, its output) while they fit the plan's {@link
 * Tiling#keptStateBytes share of the budget}; the second restores it, or forwards the tile again
 * where the backend keeps none or the budget is spent. The second pass runs the tiles in reverse,
 * so the last tile of the first pass (the largest) is back-propagated as it is.
 *
 * <p>Holds, besides the image and its gradient, one working-size gradient (3 floats a pixel) when
 * the octave shrinks the image (at full size each tile's core goes straight to the image gradient),
 * the kept backward states and host buffers of a few tiles; the network's state is one tile's.
 */
public final class TiledIteration implements AutoCloseable {
    private final DreamSession session;
    private final Tiling tiling;
    private final WindowedImageOps images = new WindowedImageOps();
    private Tensor working;
    /**
     * Host buffers reused from tile to tile, size to size and iteration to iteration, one per role,
     * grown to the largest tile (a session reads and writes the first floats of a longer array):
     * one array per tile size instead would leave the old ones as garbage each time the octave
     * changes, which a command's collector keeps resident (a poster's run grew by hundreds of MB).
     */
    private float[] outputBuffer = new float[0];

    private float[] inputGradientBuffer = new float[0];

    private float[] core = new float[0];

    /** Tiles forwarded a second time so far (those whose backward state was not kept). */
    private long forwardedAgain;

    public TiledIteration(DreamSession session, Tiling tiling) {
        this.session = session;
        this.tiling = tiling;
    }

    /** Tiles this iteration forwarded twice so far: where no backward state was kept for them. */
    public long forwardedAgain() {
        return forwardedAgain;
    }

    /** Runs one iteration at {@code plan}'s working size on layers {@code 0..layer}. */
    public void optimize(
            Tensor image,
            Tensor imageGradient,
            int layer,
            TilePlan plan,
            Jitter jitter,
            float thresh,
            float rate,
            boolean normalize) {
        List<Tile> tiles = largestLast(plan.tiles());
        Shape is = image.shape();
        // At full size the resize is the identity: each tile's core goes straight to the image
        // gradient, shifted and mirrored back, and no working-size gradient is made.
        boolean fullSize = plan.width() == is.width() && plan.height() == is.height();
        Tensor gradient = fullSize ? null : working(plan.width(), plan.height());
        BackwardState[] kept = new BackwardState[tiles.size()];
        try {
            CoreMoments moments = new CoreMoments();
            long room = tiling.keptStateBytes(session, layer, plan);
            for (int i = 0; i < tiles.size(); i++) {
                Tile tile = tiles.get(i);
                LayerStack stack = forward(image, jitter, layer, plan, tile);
                moments.add(
                        output(stack), stack.outputShape(), tile, plan.field().stride());
                long bytes = i == tiles.size() - 1 ? 0 : session.backwardStateBytes(layer, tile.width(), tile.height());
                if (bytes > 0 && bytes <= room) {
                    kept[i] = session.saveBackwardState(stack).orElse(null);
                    room -= kept[i] == null ? room : kept[i].bytes();
                }
            }
            double cutoff = moments.cutoff(thresh);

            for (int i = tiles.size() - 1; i >= 0; i--) {
                Tile tile = tiles.get(i);
                LayerStack stack = backwardReady(image, jitter, layer, plan, tile, i == tiles.size() - 1, kept[i]);
                if (kept[i] != null) {
                    kept[i].close();
                    kept[i] = null;
                }
                float[] out = output(stack);
                for (int j = 0, n = Math.toIntExact(stack.outputShape().size()); j < n; j++) {
                    out[j] = out[j] > cutoff ? out[j] : 0f;
                }
                session.write(stack.outputGradient(), out);
                session.backward(stack);
                if (fullSize) {
                    images.unjitterCore(
                            session, tile, readInputGradient(stack), stack.inputShape(), jitter, imageGradient);
                } else {
                    pasteCore(stack, tile, gradient);
                }
            }
        } finally {
            for (BackwardState state : kept) {
                if (state != null) {
                    state.close();
                }
            }
        }
        if (!fullSize) {
            images.unjitter(session, gradient, jitter, imageGradient);
        }
        session.ascend(image, imageGradient, rate, normalize);
    }

    /**
     * The tile's stack as its forward left it: the last tile's still is; a kept state is restored;
     * else the tile is forwarded again.
     */
    private LayerStack backwardReady(
            Tensor image, Jitter jitter, int layer, TilePlan plan, Tile tile, boolean last, BackwardState kept) {
        if (last) {
            return session.stack(layer, tile.width(), tile.height());
        }
        if (kept != null) {
            LayerStack stack = session.stack(layer, tile.width(), tile.height());
            session.restoreBackwardState(stack, kept);
            return stack;
        }
        forwardedAgain++;
        return forward(image, jitter, layer, plan, tile);
    }

    /** Step 5's sums over the cores' cells of the target layer, which partition it. */
    private static final class CoreMoments {
        private double sum;
        private double squares;
        private long cells;

        /** Adds the core's cells of a tile's output {@code out} of shape {@code os}. */
        void add(float[] out, Shape os, Tile tile, int stride) {
            int x0 = tile.column().outFrom() - tile.x() / stride;
            int y0 = tile.row().outFrom() - tile.y() / stride;
            int cw = tile.column().outTo() - tile.column().outFrom();
            int ch = tile.row().outTo() - tile.row().outFrom();
            for (int c = 0; c < os.channels(); c++) {
                for (int y = y0; y < y0 + ch; y++) {
                    int at = (c * os.height() + y) * os.width() + x0;
                    for (int x = 0; x < cw; x++) {
                        float v = out[at + x];
                        sum += v;
                        squares += (double) v * v;
                    }
                }
            }
            cells += (long) os.channels() * cw * ch;
        }

        /** The reference's float mean and population variance about it; the cut-off compared in double. */
        double cutoff(float thresh) {
            float mean = (float) (sum / cells);
            float variance = (float) Math.max(0, (squares - 2 * mean * sum + (double) mean * mean * cells) / cells);
            return mean + thresh * Math.sqrt(variance);
        }
    }

    /** The tiles with the largest last: the second pass starts with it, and skips its forward. */
    private static List<Tile> largestLast(List<Tile> tiles) {
        List<Tile> order = new ArrayList<>(tiles);
        Tile largest = order.stream()
                .max(Comparator.comparingLong(t -> (long) t.width() * t.height()))
                .orElseThrow();
        order.remove(largest);
        order.add(largest);
        return order;
    }

    private LayerStack forward(Tensor image, Jitter jitter, int layer, TilePlan plan, Tile tile) {
        LayerStack stack = session.stack(layer, tile.width(), tile.height());
        images.jitterWindow(session, image, jitter, plan.width(), plan.height(), tile.x(), tile.y(), stack);
        session.forward(stack);
        return stack;
    }

    /** The target layer's output, in the first floats of the reused output buffer. */
    private float[] output(LayerStack stack) {
        outputBuffer = WindowedImageOps.atLeast(
                outputBuffer, Math.toIntExact(stack.outputShape().size()));
        session.read(stack.output(), outputBuffer);
        return outputBuffer;
    }

    /** Copies the tile's core of its input gradient into the working-size gradient. */
    private void pasteCore(LayerStack stack, Tile tile, Tensor gradient) {
        Shape is = stack.inputShape();
        float[] tileGradient = readInputGradient(stack);
        Span column = tile.column();
        Span row = tile.row();
        int cw = column.coreTo() - column.coreFrom();
        int ch = row.coreTo() - row.coreFrom();
        core = WindowedImageOps.atLeast(core, is.channels() * cw * ch);
        Regions.copy(
                tileGradient,
                is.width(),
                is.height(),
                column.coreFrom() - column.from(),
                row.coreFrom() - row.from(),
                core,
                cw,
                ch,
                0,
                0,
                cw,
                ch,
                is.channels());
        session.writeRegion(gradient, column.coreFrom(), row.coreFrom(), cw, ch, core);
    }

    private float[] readInputGradient(LayerStack stack) {
        inputGradientBuffer = WindowedImageOps.atLeast(
                inputGradientBuffer, Math.toIntExact(stack.inputShape().size()));
        session.read(stack.inputGradient(), inputGradientBuffer);
        return inputGradientBuffer;
    }

    /** The working-size gradient, kept while the working size stays (octaves change it). */
    private Tensor working(int width, int height) {
        Shape shape = new Shape(3, height, width);
        if (working == null || !working.shape().equals(shape)) {
            if (working != null) {
                working.close();
            }
            working = session.allocate(shape);
        }
        return working;
    }

    /** Frees the working-size gradient and the host buffers; the next iteration makes them again. */
    @Override
    public void close() {
        if (working != null) {
            working.close();
            working = null;
        }
        outputBuffer = new float[0];
        inputGradientBuffer = new float[0];
        core = new float[0];
        images.clear();
    }
}
