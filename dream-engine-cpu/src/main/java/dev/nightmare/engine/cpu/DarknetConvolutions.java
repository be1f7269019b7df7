package dev.nightmare.engine.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;

/**
 * Forward convolutions in darknet's arithmetic ({@code ForwardArithmetic.DARKNET}), for both CPU
 * backends: every output is summed from 0 over (c, ky, kx) in that order with a float multiply
 * and a separate float add (never a fused multiply-add), then the bias is added and the activation
 * applied with darknet's rounding — bit-identical to the reference {@code ConvolutionalLayer.convolve}
 * followed by {@code biasAndActivate}. Only the order of the sum per output is fixed; which outputs are summed
 * together is free, so the kernel vectorises across output channels (one lane per filter: the
 * blocked layout puts 16 filters of a pixel side by side) and register-blocks 2 vectors of filters
 * × 8 output pixels (16 accumulators; a weight vector serves 8 pixels, an input value 2 vectors).
 * Each output row's raw sums are written first and the bias and activation applied to the row
 * afterwards: calling them from the accumulating method would not be inlined there and would box
 * the accumulators. Threads take (filter tile, output row) pairs, so each output is written by one
 * thread.
 *
 * <p>Taps outside the input: whole rows are skipped, as the reference does; for a tile at the left
 * or right border (or a row's last, partial tile) the window is first gathered into a per-thread
 * scratch with zeros for the columns outside the input, so the tile adds {@code w · 0} for them.
 * That is exact for finite weights: the running sum starts at +0 and no float sum of it can become
 * −0, so adding ±0 leaves it unchanged.
 */
public final class DarknetConvolutions {
    private static final int B = Layout.BLOCK;
    private static final int L = Vectors.LANES;
    /** Filters per register tile: two vectors. */
    private static final int TILE = 2 * L;
    /** Output pixels per register tile. */
    private static final int R = 8;

    private final Model model;
    private final Workers workers;
    /** (layer) {@code [tile][c][ky][kx][2][LANES]}: a tile's two weight vectors of one tap side by side. */
    private final Map<Integer, float[]> packed = new HashMap<>();

    public DarknetConvolutions(Model model, Workers workers) {
        this.model = model;
        this.workers = workers;
    }

    /** One layer's forward at one working size. */
    @FunctionalInterface
    public interface Forward {
        /** Overwrites {@code dst} (blocked) with the convolution of {@code src} (+ bias, activation if so prepared). */
        void forward(CpuTensor src, CpuTensor dst);
    }

    /** Filter tiles of a layer with {@code filters} outputs (the last may be half used). */
    private static int tiles(int filters) {
        return (Layout.blocks(filters) * B + TILE - 1) / TILE;
    }

    private synchronized float[] weights(int layer, int channels) {
        return packed.computeIfAbsent(layer, l -> {
            ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(l);
            float[] w = model.convolutional(l).kernels();
            int kk = conv.size() * conv.size(), f = conv.filters();
            float[] p = new float[tiles(f) * channels * kk * TILE];
            for (int o = 0; o < f; o++) {
                int tile = o / TILE, lane = o % TILE;
                for (int c = 0; c < channels; c++) {
                    for (int t = 0; t < kk; t++) {
                        p[((tile * channels + c) * kk + t) * TILE + lane] = w[(o * channels + c) * kk + t];
                    }
                }
            }
            return p;
        });
    }

    /**
     * Prepares layer {@code layer} for an input of shape {@code in} (planar or blocked, as the tensor
     * says), giving a blocked output of shape {@code out}.
     *
     * @param biasAndActivation whether to add the bias and apply the activation (false: the raw sum,
     *     for batch-normalised layers)
     */
    public Forward prepare(int layer, Shape in, Shape out, boolean biasAndActivation) {
        ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(layer);
        float[] w = weights(layer, in.channels());
        float[] bias = new float[tiles(conv.filters()) * TILE];
        System.arraycopy(model.convolutional(layer).biases(), 0, bias, 0, conv.filters());
        Geometry g = new Geometry(in, out, conv.size(), conv.stride(), conv.padding());
        Activation act = conv.activation();
        int tiles = tiles(conv.filters());
        int paddedFilters = Layout.blocks(conv.filters()) * B;
        return (src, dst) -> {
            if (!src.shape().equals(in) || !dst.shape().equals(out)) {
                throw new IllegalArgumentException("layer " + layer + " was prepared for " + in + " → " + out + ", got "
                        + src.shape() + " → " + dst.shape());
            }
            long[] channelBase = g.channelBases(src.layout());
            Layout layout = src.layout();
            MemorySegment x = src.data();
            MemorySegment y = dst.data();
            workers.split(tiles * out.height(), (from, to) -> {
                for (int task = from; task < to; task++) {
                    int tile = task / out.height();
                    int oy = task % out.height();
                    FloatVector b0 = biasAndActivation ? FloatVector.fromArray(Vectors.F, bias, tile * TILE) : null;
                    FloatVector b1 = biasAndActivation ? FloatVector.fromArray(Vectors.F, bias, tile * TILE + L) : null;
                    boolean second = tile * TILE + L < paddedFilters;
                    row(x, channelBase, layout, g, w, tile, oy, b0, b1, act, second, y);
                }
            });
        };
    }

    /** Shapes and hyper-parameters of one layer at one size, and its output columns without border taps. */
    private record Geometry(Shape in, Shape out, int k, int s, int p, int safeFrom, int safeTo) {
        Geometry(Shape in, Shape out, int k, int s, int p) {
            this(in, out, k, s, p, safeFrom(out, s, p), safeTo(in, out, k, s, p));
        }

        /** First output column whose window starts inside the input: ox·s − p ≥ 0. */
        private static int safeFrom(Shape out, int s, int p) {
            return Math.min(out.width(), -Math.floorDiv(-p, s));
        }

        /** One past the last output column whose window ends inside the input: ox·s − p + k ≤ inW. */
        private static int safeTo(Shape in, Shape out, int k, int s, int p) {
            return Math.max(safeFrom(out, s, p), Math.min(out.width(), Math.floorDiv(in.width() - k + p, s) + 1));
        }

        /** Float index of input channel c's pixel (0, 0), per channel. */
        long[] channelBases(Layout layout) {
            long plane = (long) in.height() * in.width();
            long[] base = new long[in.channels()];
            for (int c = 0; c < base.length; c++) {
                base[c] = layout == Layout.PLANAR ? c * plane : (c / B) * plane * B + c % B;
            }
            return base;
        }
    }

    /**
     * Output row oy of filter tile {@code tile}: 8-pixel tiles (those touching a border from a
     * gathered window), then the bias and activation when {@code b0} is not null.
     */
    private void row(
            MemorySegment x,
            long[] channelBase,
            Layout layout,
            Geometry g,
            float[] w,
            int tile,
            int oy,
            FloatVector b0,
            FloatVector b1,
            Activation act,
            boolean second,
            MemorySegment y) {
        int inH = g.in.height(), inW = g.in.width(), outH = g.out.height(), outW = g.out.width();
        int k = g.k, s = g.s, p = g.p;
        long pixel = layout == Layout.PLANAR ? 1 : B;
        // Rows of the window inside the input (the reference skips the others).
        int kyFrom = Math.max(0, p - oy * s);
        int kyTo = Math.min(k, inH + p - oy * s);
        long rowStride = inW * pixel;
        int wTile = tile * channelBase.length * k * k * TILE;
        // Output index of (filter f, oy, 0): blocked [f / 16][oy][ox][f % 16].
        int f0 = tile * TILE, f1 = f0 + L;
        long y0 = ((long) (f0 / B) * outH + oy) * outW * B + f0 % B;
        long y1 = ((long) (f1 / B) * outH + oy) * outW * B + f1 % B;
        int ox = 0;
        while (ox < outW) {
            int n = Math.min(R, outW - ox);
            long o0 = y0 + (long) ox * B, o1 = y1 + (long) ox * B;
            if (n == R && ox >= g.safeFrom && ox + R <= g.safeTo) {
                long start = (long) (oy * s - p) * rowStride + (long) (ox * s - p) * pixel;
                tile(
                        x,
                        channelBase,
                        rowStride,
                        s * pixel,
                        pixel,
                        k,
                        w,
                        wTile,
                        kyFrom,
                        kyTo,
                        start,
                        R,
                        second,
                        y,
                        o0,
                        o1);
            } else {
                // A border or the row's last tile: its window, with zeros outside the input, gathered
                // into a scratch laid out like the input (only rows kyFrom..kyTo−1 are read).
                Window win = window(g, layout);
                gather(x, channelBase, rowStride, pixel, g, oy, ox, kyFrom, kyTo, win);
                tile(
                        win.data,
                        win.channelBase,
                        win.rowStride,
                        s * win.pixel,
                        win.pixel,
                        k,
                        w,
                        wTile,
                        kyFrom,
                        kyTo,
                        0,
                        n,
                        second,
                        y,
                        o0,
                        o1);
            }
            ox += n;
        }
        if (b0 != null) {
            biasAndActivate(y, y0, outW, b0, act);
            if (second) {
                biasAndActivate(y, y1, outW, b1, act);
            }
        }
    }

    /**
     * A thread's scratch for one 8-pixel tile's input window: k rows of (8 − 1)·s + k columns per
     * channel, in the input's layout ({@code [c / 16][row][column][c % 16]} or {@code [c][row][column]}).
     */
    private record Window(MemorySegment data, long[] channelBase, long rowStride, long pixel, int rows, int columns) {}

    private final ThreadLocal<Window> windows = new ThreadLocal<>();

    private Window window(Geometry g, Layout layout) {
        int columns = (R - 1) * g.s + g.k;
        long pixel = layout == Layout.PLANAR ? 1 : B;
        int channels = g.in.channels();
        Window win = windows.get();
        if (win == null
                || win.pixel != pixel
                || win.rows != g.k
                || win.columns != columns
                || win.channelBase.length != channels
                || win.rowStride != columns * pixel) {
            long perChannelBlock = (long) g.k * columns * B;
            long[] base = new long[channels];
            for (int c = 0; c < channels; c++) {
                base[c] = layout == Layout.PLANAR ? (long) c * g.k * columns : (c / B) * perChannelBlock + c % B;
            }
            long floats = layout == Layout.PLANAR
                    ? (long) channels * g.k * columns
                    : Layout.blocks(channels) * perChannelBlock;
            win = new Window(
                    Arena.ofAuto().allocate(floats * Float.BYTES, 64), base, columns * pixel, pixel, g.k, columns);
            windows.set(win);
        }
        return win;
    }

    /** Copies rows kyFrom..kyTo−1 of the window of tile (oy, ox) into {@code win}, zero outside the input. */
    private static void gather(
            MemorySegment x,
            long[] channelBase,
            long rowStride,
            long pixel,
            Geometry g,
            int oy,
            int ox,
            int kyFrom,
            int kyTo,
            Window win) {
        int inW = g.in.width();
        int ix0 = ox * g.s - g.p;
        // In the blocked layout one vector per pixel carries LANES channels of a block.
        int step = pixel == 1 ? 1 : L;
        FloatVector zero = FloatVector.zero(Vectors.F);
        for (int c = 0; c < channelBase.length; c += step) {
            for (int ky = kyFrom; ky < kyTo; ky++) {
                long src = channelBase[c] + (long) (oy * g.s - g.p + ky) * rowStride;
                long dst = win.channelBase[c] + ky * win.rowStride;
                for (int j = 0; j < win.columns; j++) {
                    int ix = ix0 + j;
                    boolean inside = ix >= 0 && ix < inW;
                    if (pixel == 1) {
                        win.data.setAtIndex(JAVA_FLOAT, dst + j, inside ? x.getAtIndex(JAVA_FLOAT, src + ix) : 0f);
                    } else {
                        Vectors.store(inside ? Vectors.load(x, src + ix * pixel) : zero, win.data, dst + j * pixel);
                    }
                }
            }
        }
    }

    /**
     * Output pixels 0..n−1 of an 8-pixel tile (n ≤ 8; the others are computed and dropped), from
     * input rows kyFrom..kyTo−1 at {@code start + ky·rowStride}, pixel r at {@code + r·step}: the input
     * itself where the windows lie inside it, a gathered {@link Window} elsewhere.
     */
    private static void tile(
            MemorySegment x,
            long[] channelBase,
            long rowStride,
            long step,
            long pixel,
            int k,
            float[] w,
            int wTile,
            int kyFrom,
            int kyTo,
            long start,
            int n,
            boolean second,
            MemorySegment y,
            long o0,
            long o1) {
        FloatVector a0 = FloatVector.zero(Vectors.F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        int kk = k * k;
        for (int c = 0; c < channelBase.length; c++) {
            long cBase = channelBase[c] + start;
            int wc = wTile + c * kk * TILE;
            for (int ky = kyFrom; ky < kyTo; ky++) {
                long row = cBase + ky * rowStride;
                int wr = wc + ky * k * TILE;
                for (int kx = 0; kx < k; kx++) {
                    FloatVector w0 = FloatVector.fromArray(Vectors.F, w, wr + kx * TILE);
                    FloatVector w1 = FloatVector.fromArray(Vectors.F, w, wr + kx * TILE + L);
                    long i = row + kx * pixel;
                    // z += w·x as darknet's gemm: a rounded product, then a rounded sum.
                    float x0 = x.getAtIndex(JAVA_FLOAT, i);
                    a0 = a0.add(w0.mul(x0));
                    b0 = b0.add(w1.mul(x0));
                    float x1 = x.getAtIndex(JAVA_FLOAT, i + step);
                    a1 = a1.add(w0.mul(x1));
                    b1 = b1.add(w1.mul(x1));
                    float x2 = x.getAtIndex(JAVA_FLOAT, i + 2 * step);
                    a2 = a2.add(w0.mul(x2));
                    b2 = b2.add(w1.mul(x2));
                    float x3 = x.getAtIndex(JAVA_FLOAT, i + 3 * step);
                    a3 = a3.add(w0.mul(x3));
                    b3 = b3.add(w1.mul(x3));
                    float x4 = x.getAtIndex(JAVA_FLOAT, i + 4 * step);
                    a4 = a4.add(w0.mul(x4));
                    b4 = b4.add(w1.mul(x4));
                    float x5 = x.getAtIndex(JAVA_FLOAT, i + 5 * step);
                    a5 = a5.add(w0.mul(x5));
                    b5 = b5.add(w1.mul(x5));
                    float x6 = x.getAtIndex(JAVA_FLOAT, i + 6 * step);
                    a6 = a6.add(w0.mul(x6));
                    b6 = b6.add(w1.mul(x6));
                    float x7 = x.getAtIndex(JAVA_FLOAT, i + 7 * step);
                    a7 = a7.add(w0.mul(x7));
                    b7 = b7.add(w1.mul(x7));
                }
            }
        }
        // Raw sums only: a call here that is not inlined would box the accumulators every iteration.
        // Pixels 0..n−1 only (the others may lie past the row); no arrays: they would box the vectors.
        put(a0, y, o0);
        if (n > 1) put(a1, y, o0 + B);
        if (n > 2) put(a2, y, o0 + 2 * B);
        if (n > 3) put(a3, y, o0 + 3 * B);
        if (n > 4) put(a4, y, o0 + 4 * B);
        if (n > 5) put(a5, y, o0 + 5 * B);
        if (n > 6) put(a6, y, o0 + 6 * B);
        if (n > 7) put(a7, y, o0 + 7 * B);
        if (second) {
            put(b0, y, o1);
            if (n > 1) put(b1, y, o1 + B);
            if (n > 2) put(b2, y, o1 + 2 * B);
            if (n > 3) put(b3, y, o1 + 3 * B);
            if (n > 4) put(b4, y, o1 + 4 * B);
            if (n > 5) put(b5, y, o1 + 5 * B);
            if (n > 6) put(b6, y, o1 + 6 * B);
            if (n > 7) put(b7, y, o1 + 7 * B);
        }
    }

    private static void put(FloatVector v, MemorySegment y, long floatIndex) {
        v.intoMemorySegment(y, floatIndex * Float.BYTES, Vectors.ORDER);
    }

    /** darknet's {@code act(z + bias)} with its rounding, over one output row of one vector of filters. */
    private static void biasAndActivate(MemorySegment y, long rowStart, int width, FloatVector bias, Activation act) {
        for (int ox = 0; ox < width; ox++) {
            long o = rowStart + (long) ox * B;
            Vectors.store(DarknetRounding.activate(Vectors.load(y, o).add(bias), act), y, o);
        }
    }

    /** Drops the packed weights (a session's convolutions are closed with it). */
    public synchronized void close() {
        packed.clear();
    }
}
