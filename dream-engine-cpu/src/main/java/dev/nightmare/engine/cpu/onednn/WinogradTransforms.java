package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.Vectors.F;
import static dev.nightmare.engine.cpu.Vectors.LANES;

import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.Vectors;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * The three transforms of Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms
 * for Convolutional Neural Networks", 2015): a 3×3, stride-1, padding-1 correlation of a 6×6 input
 * tile d with kernel g gives the 4×4 output tile {@code Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A}. Summed over input
 * channels, the 36 element-wise products become 36 independent matrix products (tiles × channels
 * by channels × filters), 4× fewer multiplications than direct convolution; oneDNN's matmul does
 * those, these transforms feed and drain them.
 *
 * <p>Tile t of a (h, w) image covers output rows 4·(t / tilesX).. and columns 4·(t % tilesX)..;
 * its input tile starts one row and column earlier (the padding), zero outside the image.
 * Transformed tiles are laid out {@code [36][rows][channels]} (one matmul batch per element
 * position, one row per tile), channels padded to whole blocks of 16 with zeros.
 */
final class WinogradTransforms {
    private WinogradTransforms() {}

    /** Element positions of a transformed tile: 6 × 6. */
    static final int POSITIONS = 36;

    /** Output pixels per tile side. */
    static final int TILE = 4;

    private static final int BLOCK = Layout.BLOCK;
    private static final FloatVector ZERO = FloatVector.zero(F);

    /** G (6×3), in double so the transformed kernels are exact to float rounding. */
    private static final double[][] G = {
        {1.0 / 4, 0, 0},
        {-1.0 / 6, -1.0 / 6, -1.0 / 6},
        {-1.0 / 6, 1.0 / 6, -1.0 / 6},
        {1.0 / 24, 1.0 / 12, 1.0 / 6},
        {1.0 / 24, -1.0 / 12, 1.0 / 6},
        {0, 0, 1}
    };

    /** Tiles along a side of {@code n} output pixels. */
    static int tiles(int n) {
        return (n + TILE - 1) / TILE;
    }

    /**
     * G g Gᵀ for every (filter, channel) of {@code oihw} kernels ({@code filters × channels × 3 × 3})
     * into {@code u}, laid out {@code [36][channelsPadded][filtersPadded]}; the padding is left as
     * it is (zero in fresh memory). Written straight to native memory: a 512-channel layer's are 38 MB.
     */
    static void kernels(
            float[] oihw, int filters, int channels, int channelsPadded, int filtersPadded, MemorySegment u) {
        double[][] gg = new double[6][3];
        for (int k = 0; k < filters; k++) {
            for (int c = 0; c < channels; c++) {
                int base = (k * channels + c) * 9;
                for (int i = 0; i < 6; i++) {
                    for (int b = 0; b < 3; b++) {
                        double s = 0;
                        for (int a = 0; a < 3; a++) {
                            s += G[i][a] * oihw[base + a * 3 + b];
                        }
                        gg[i][b] = s;
                    }
                }
                for (int i = 0; i < 6; i++) {
                    for (int j = 0; j < 6; j++) {
                        double s = 0;
                        for (int b = 0; b < 3; b++) {
                            s += gg[i][b] * G[j][b];
                        }
                        u.setAtIndex(
                                ValueLayout.JAVA_FLOAT,
                                ((long) (i * 6 + j) * channelsPadded + c) * filtersPadded + k,
                                (float) s);
                    }
                }
            }
        }
    }

    /*
     * Why the kernels below are split into small methods that take only arrays, segments and
     * offsets: a FloatVector passed to a method C2 does not inline is boxed, and in one large method
     * C2 stopped inlining (NodeCountInliningCutoff); the transforms then ran 3–4× slower.
     */

    /**
     * Bᵀ d B of tiles {@code [tile0, tile0 + count)} of a blocked {@code (channels, h, w)} image into
     * rows {@code 0..count} of {@code v} ({@code [36][rows][blocks · 16]}).
     *
     * @param tmp at least {@code 72 · LANES} floats of scratch
     */
    static void input(
            MemorySegment src,
            int blocks,
            int h,
            int w,
            int tilesX,
            int tile0,
            int count,
            MemorySegment v,
            int rows,
            float[] tmp) {
        long channels = (long) blocks * BLOCK;
        long positionStride = rows * channels;
        long rowStride = (long) w * BLOCK;
        for (int r = 0; r < count; r++) {
            int tile = tile0 + r;
            int y0 = (tile / tilesX) * TILE - 1;
            int x0 = (tile % tilesX) * TILE - 1;
            boolean interior = y0 >= 0 && x0 >= 0 && y0 + 6 <= h && x0 + 6 <= w;
            for (int cb = 0; cb < blocks; cb++) {
                long plane = (long) cb * h;
                for (int l = 0; l < BLOCK; l += LANES) {
                    if (interior) {
                        long at = ((plane + y0) * w + x0) * BLOCK + l;
                        for (int j = 0; j < 6; j++) {
                            columnBt(src, at + (long) j * BLOCK, rowStride, tmp, j * LANES);
                        }
                    } else {
                        gather(src, plane, y0, x0, h, w, l, tmp);
                        for (int j = 0; j < 6; j++) {
                            columnBt(tmp, 36 * LANES + j * LANES, 6 * LANES, tmp, j * LANES);
                        }
                    }
                    long out = (long) r * channels + (long) cb * BLOCK + l;
                    for (int i = 0; i < 6; i++) {
                        rowBt(tmp, i * 6 * LANES, v, out + i * 6 * positionStride, positionStride);
                    }
                }
            }
        }
    }

    /** A border tile's 6×6 pixels (zero outside the image) into tmp[36·LANES..72·LANES), row-major. */
    private static void gather(MemorySegment src, long plane, int y0, int x0, int h, int w, int l, float[] tmp) {
        for (int i = 0; i < 6; i++) {
            int y = y0 + i;
            for (int j = 0; j < 6; j++) {
                int x = x0 + j;
                int at = 36 * LANES + (i * 6 + j) * LANES;
                if (y < 0 || y >= h || x < 0 || x >= w) {
                    ZERO.intoArray(tmp, at);
                } else {
                    Vectors.load(src, ((plane + y) * w + x) * BLOCK + l).intoArray(tmp, at);
                }
            }
        }
    }

    /** Bᵀ of the column d_i = src[at + i · stride] into tmp[to + i · 6 · LANES]. */
    private static void columnBt(MemorySegment src, long at, long stride, float[] tmp, int to) {
        FloatVector d0 = Vectors.load(src, at);
        FloatVector d1 = Vectors.load(src, at + stride);
        FloatVector d2 = Vectors.load(src, at + 2 * stride);
        FloatVector d3 = Vectors.load(src, at + 3 * stride);
        FloatVector d4 = Vectors.load(src, at + 4 * stride);
        FloatVector d5 = Vectors.load(src, at + 5 * stride);
        int s = 6 * LANES;
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(tmp, to);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(tmp, to + s);
        d1.sub(d2).mul(4f).add(d4.sub(d3)).intoArray(tmp, to + 2 * s);
        d3.sub(d1).mul(2f).add(d4.sub(d2)).intoArray(tmp, to + 3 * s);
        d1.sub(d3).mul(2f).add(d4.sub(d2)).intoArray(tmp, to + 4 * s);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(tmp, to + 5 * s);
    }

    /** The same, the column read from {@code src} (a gathered border tile). */
    private static void columnBt(float[] src, int at, int stride, float[] tmp, int to) {
        FloatVector d0 = FloatVector.fromArray(F, src, at);
        FloatVector d1 = FloatVector.fromArray(F, src, at + stride);
        FloatVector d2 = FloatVector.fromArray(F, src, at + 2 * stride);
        FloatVector d3 = FloatVector.fromArray(F, src, at + 3 * stride);
        FloatVector d4 = FloatVector.fromArray(F, src, at + 4 * stride);
        FloatVector d5 = FloatVector.fromArray(F, src, at + 5 * stride);
        int s = 6 * LANES;
        d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(tmp, to);
        d3.add(d4).sub(d1.add(d2).mul(4f)).intoArray(tmp, to + s);
        d1.sub(d2).mul(4f).add(d4.sub(d3)).intoArray(tmp, to + 2 * s);
        d3.sub(d1).mul(2f).add(d4.sub(d2)).intoArray(tmp, to + 3 * s);
        d1.sub(d3).mul(2f).add(d4.sub(d2)).intoArray(tmp, to + 4 * s);
        d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(tmp, to + 5 * s);
    }

    /** Bᵀ of the row e_j = tmp[at + j · LANES] into v[out + j · stride]. */
    private static void rowBt(float[] tmp, int at, MemorySegment v, long out, long stride) {
        FloatVector e0 = FloatVector.fromArray(F, tmp, at);
        FloatVector e1 = FloatVector.fromArray(F, tmp, at + LANES);
        FloatVector e2 = FloatVector.fromArray(F, tmp, at + 2 * LANES);
        FloatVector e3 = FloatVector.fromArray(F, tmp, at + 3 * LANES);
        FloatVector e4 = FloatVector.fromArray(F, tmp, at + 4 * LANES);
        FloatVector e5 = FloatVector.fromArray(F, tmp, at + 5 * LANES);
        Vectors.store(e0.mul(4f).sub(e2.mul(5f)).add(e4), v, out);
        Vectors.store(e3.add(e4).sub(e1.add(e2).mul(4f)), v, out + stride);
        Vectors.store(e1.sub(e2).mul(4f).add(e4.sub(e3)), v, out + 2 * stride);
        Vectors.store(e3.sub(e1).mul(2f).add(e4.sub(e2)), v, out + 3 * stride);
        Vectors.store(e1.sub(e3).mul(2f).add(e4.sub(e2)), v, out + 4 * stride);
        Vectors.store(e1.mul(4f).sub(e3.mul(5f)).add(e5), v, out + 5 * stride);
    }

    /**
     * Aᵀ m A of rows {@code 0..count} of {@code m} ({@code [36][rows][blocks · 16]}) into the output
     * tiles {@code [tile0, tile0 + count)} of a blocked {@code (blocks · 16, h, w)} image, adding
     * {@code bias} (null: none) and applying {@code max(y, slope · y)} when {@code activate}.
     *
     * @param tmp at least {@code 72 · LANES} floats of scratch
     */
    static void output(
            MemorySegment m,
            int blocks,
            int rows,
            int tile0,
            int count,
            MemorySegment dst,
            int h,
            int w,
            int tilesX,
            float[] bias,
            boolean activate,
            float slope,
            float[] tmp) {
        long channels = (long) blocks * BLOCK;
        long positionStride = rows * channels;
        for (int r = 0; r < count; r++) {
            int tile = tile0 + r;
            int y0 = (tile / tilesX) * TILE;
            int x0 = (tile % tilesX) * TILE;
            int ny = Math.min(TILE, h - y0), nx = Math.min(TILE, w - x0);
            for (int kb = 0; kb < blocks; kb++) {
                long plane = (long) kb * h;
                for (int l = 0; l < BLOCK; l += LANES) {
                    long in = (long) r * channels + (long) kb * BLOCK + l;
                    for (int j = 0; j < 6; j++) {
                        columnAt(m, in + j * positionStride, 6 * positionStride, tmp, j * LANES);
                    }
                    int b = bias == null ? -1 : kb * BLOCK + l;
                    for (int i = 0; i < ny; i++) {
                        long o = ((plane + y0 + i) * w + x0) * BLOCK + l;
                        if (nx == TILE) {
                            rowAt(tmp, i * 6 * LANES, bias, b, activate, slope, dst, o);
                        } else {
                            rowAt(tmp, i * 6 * LANES, bias, b, activate, slope, tmp, 36 * LANES);
                            for (int j = 0; j < nx; j++) {
                                Vectors.store(
                                        FloatVector.fromArray(F, tmp, 36 * LANES + j * LANES), dst, o + j * BLOCK);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Aᵀ of the column m_i = m[at + i · stride] into tmp[to + i · 6 · LANES], i = 0..3. */
    private static void columnAt(MemorySegment m, long at, long stride, float[] tmp, int to) {
        FloatVector m0 = Vectors.load(m, at);
        FloatVector m1 = Vectors.load(m, at + stride);
        FloatVector m2 = Vectors.load(m, at + 2 * stride);
        FloatVector m3 = Vectors.load(m, at + 3 * stride);
        FloatVector m4 = Vectors.load(m, at + 4 * stride);
        FloatVector m5 = Vectors.load(m, at + 5 * stride);
        FloatVector a12 = m1.add(m2), s12 = m1.sub(m2), a34 = m3.add(m4), s34 = m3.sub(m4);
        int s = 6 * LANES;
        m0.add(a12).add(a34).intoArray(tmp, to);
        s34.mul(2f).add(s12).intoArray(tmp, to + s);
        a34.mul(4f).add(a12).intoArray(tmp, to + 2 * s);
        s34.mul(8f).add(s12).add(m5).intoArray(tmp, to + 3 * s);
    }

    /** Aᵀ of the row e_j = tmp[at + j · LANES], + bias[b..] (b < 0: none), activated, into dst[o + j · 16]. */
    private static void rowAt(
            float[] tmp, int at, float[] bias, int b, boolean activate, float slope, MemorySegment dst, long o) {
        FloatVector e0 = FloatVector.fromArray(F, tmp, at);
        FloatVector e1 = FloatVector.fromArray(F, tmp, at + LANES);
        FloatVector e2 = FloatVector.fromArray(F, tmp, at + 2 * LANES);
        FloatVector e3 = FloatVector.fromArray(F, tmp, at + 3 * LANES);
        FloatVector e4 = FloatVector.fromArray(F, tmp, at + 4 * LANES);
        FloatVector e5 = FloatVector.fromArray(F, tmp, at + 5 * LANES);
        FloatVector a12 = e1.add(e2), s12 = e1.sub(e2), a34 = e3.add(e4), s34 = e3.sub(e4);
        FloatVector y0 = e0.add(a12).add(a34);
        FloatVector y1 = s34.mul(2f).add(s12);
        FloatVector y2 = a34.mul(4f).add(a12);
        FloatVector y3 = s34.mul(8f).add(s12).add(e5);
        if (b >= 0) {
            FloatVector bv = FloatVector.fromArray(F, bias, b);
            y0 = y0.add(bv);
            y1 = y1.add(bv);
            y2 = y2.add(bv);
            y3 = y3.add(bv);
        }
        if (activate) {
            if (slope == 0f) {
                y0 = y0.max(ZERO);
                y1 = y1.max(ZERO);
                y2 = y2.max(ZERO);
                y3 = y3.max(ZERO);
            } else {
                y0 = y0.max(y0.mul(slope));
                y1 = y1.max(y1.mul(slope));
                y2 = y2.max(y2.mul(slope));
                y3 = y3.max(y3.mul(slope));
            }
        }
        Vectors.store(y0, dst, o);
        Vectors.store(y1, dst, o + BLOCK);
        Vectors.store(y2, dst, o + 2 * BLOCK);
        Vectors.store(y3, dst, o + 3 * BLOCK);
    }

    /** The same, into tmp[to + j · LANES] (a tile cut by the image's right edge). */
    private static void rowAt(
            float[] tmp, int at, float[] bias, int b, boolean activate, float slope, float[] out, int to) {
        FloatVector e0 = FloatVector.fromArray(F, tmp, at);
        FloatVector e1 = FloatVector.fromArray(F, tmp, at + LANES);
        FloatVector e2 = FloatVector.fromArray(F, tmp, at + 2 * LANES);
        FloatVector e3 = FloatVector.fromArray(F, tmp, at + 3 * LANES);
        FloatVector e4 = FloatVector.fromArray(F, tmp, at + 4 * LANES);
        FloatVector e5 = FloatVector.fromArray(F, tmp, at + 5 * LANES);
        FloatVector a12 = e1.add(e2), s12 = e1.sub(e2), a34 = e3.add(e4), s34 = e3.sub(e4);
        FloatVector y0 = e0.add(a12).add(a34);
        FloatVector y1 = s34.mul(2f).add(s12);
        FloatVector y2 = a34.mul(4f).add(a12);
        FloatVector y3 = s34.mul(8f).add(s12).add(e5);
        if (b >= 0) {
            FloatVector bv = FloatVector.fromArray(F, bias, b);
            y0 = y0.add(bv);
            y1 = y1.add(bv);
            y2 = y2.add(bv);
            y3 = y3.add(bv);
        }
        if (activate) {
            if (slope == 0f) {
                y0 = y0.max(ZERO);
                y1 = y1.max(ZERO);
                y2 = y2.max(ZERO);
                y3 = y3.max(ZERO);
            } else {
                y0 = y0.max(y0.mul(slope));
                y1 = y1.max(y1.mul(slope));
                y2 = y2.max(y2.mul(slope));
                y3 = y3.max(y3.mul(slope));
            }
        }
        y0.intoArray(out, to);
        y1.intoArray(out, to + LANES);
        y2.intoArray(out, to + 2 * LANES);
        y3.intoArray(out, to + 3 * LANES);
    }
}
