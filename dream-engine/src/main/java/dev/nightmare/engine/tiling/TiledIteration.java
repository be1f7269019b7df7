package dev.nightmare.engine.tiling;

import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.tiling.TilePlan.Span;
import dev.nightmare.engine.tiling.TilePlan.Tile;
import java.util.List;

/**
 * One iteration (shared/spec/NIGHTMARE.md steps 3–10) over the tiles of a {@link TilePlan},
 * equal to the untiled iteration up to float summation order. The two whole-image statistics are
 * reduced over every tile before they are used: step 5's mean and deviation of the target layer
 * (a first pass forwards every tile and sums its core's cells; the second forwards each again,
 * since a tile's activations are gone once the next tile runs, thresholds with the whole layer's
 * cut-off and back-propagates) and step 9's of the image gradient (the backend's own step, on the
 * assembled gradient). The second pass runs the tiles in reverse, so the last tile of the first
 * pass is back-propagated without forwarding it again.
 *
 * <p>Holds one working-size gradient (3 floats a pixel) besides the image and its gradient; the
 * network's state is one tile's.
 */
public final class TiledIteration implements AutoCloseable {
    private final DreamSession session;
    private Tensor working;

    public TiledIteration(DreamSession session) {
        this.session = session;
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
        List<Tile> tiles = plan.tiles();
        double sum = 0;
        double squares = 0;
        long cells = 0;
        float[] out = null;
        for (Tile tile : tiles) {
            LayerStack stack = forward(image, jitter, layer, plan, tile);
            out = output(stack, out);
            Shape os = stack.outputShape();
            int x0 = tile.column().outFrom() - tile.x() / plan.field().stride();
            int y0 = tile.row().outFrom() - tile.y() / plan.field().stride();
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
        // The reference's float mean and population variance about it; the cut-off compared in double.
        float mean = (float) (sum / cells);
        float variance = (float) Math.max(0, (squares - 2 * mean * sum + (double) mean * mean * cells) / cells);
        double cutoff = mean + thresh * Math.sqrt(variance);

        Tensor gradient = working(plan.width(), plan.height());
        for (int i = tiles.size() - 1; i >= 0; i--) {
            Tile tile = tiles.get(i);
            LayerStack stack = i == tiles.size() - 1
                    ? session.stack(layer, tile.width(), tile.height())
                    : forward(image, jitter, layer, plan, tile);
            out = output(stack, out);
            for (int j = 0; j < out.length; j++) {
                out[j] = out[j] > cutoff ? out[j] : 0f;
            }
            session.write(stack.outputGradient(), out);
            session.backward(stack);
            pasteCore(stack, tile, gradient);
        }
        WindowedImageOps.unjitter(session, gradient, jitter, imageGradient);
        session.ascend(image, imageGradient, rate, normalize);
    }

    private LayerStack forward(Tensor image, Jitter jitter, int layer, TilePlan plan, Tile tile) {
        LayerStack stack = session.stack(layer, tile.width(), tile.height());
        WindowedImageOps.jitterWindow(session, image, jitter, plan.width(), plan.height(), tile.x(), tile.y(), stack);
        session.forward(stack);
        return stack;
    }

    private float[] output(LayerStack stack, float[] reuse) {
        int n = Math.toIntExact(stack.outputShape().size());
        float[] out = reuse != null && reuse.length == n ? reuse : new float[n];
        session.read(stack.output(), out);
        return out;
    }

    /** Copies the tile's core of its input gradient into the working-size gradient. */
    private void pasteCore(LayerStack stack, Tile tile, Tensor gradient) {
        Shape is = stack.inputShape();
        float[] tileGradient = new float[Math.toIntExact(is.size())];
        session.read(stack.inputGradient(), tileGradient);
        Span column = tile.column();
        Span row = tile.row();
        int cw = column.coreTo() - column.coreFrom();
        int ch = row.coreTo() - row.coreFrom();
        float[] core = new float[is.channels() * cw * ch];
        dev.nightmare.engine.backend.Regions.copy(
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

    /** The working-size gradient, kept while the working size stays (octaves change it). */
    private Tensor working(int width, int height) {
        Shape shape = new Shape(3, height, width);
        if (working == null || !working.shape().equals(shape)) {
            close();
            working = session.allocate(shape);
        }
        return working;
    }

    @Override
    public void close() {
        if (working != null) {
            working.close();
            working = null;
        }
    }
}
