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
        // One input channel at a time: its 36 rows of filters values, written out row by row (a
        // row per position is contiguous in u); fast from the first call, before the JIT's top tier.
        float[][] rows = new float[POSITIONS][filters];
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < filters; k++) {
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
                        rows[i * 6 + j][k] = (float) s;
                    }
                }
            }
            for (int ij = 0; ij < POSITIONS; ij++) {
                MemorySegment.copy(
                        rows[ij],
                        0,
                        u,
                        ValueLayout.JAVA_FLOAT,
                        ((long) ij * channelsPadded + c) * filtersPadded * Float.BYTES,
                        filters);
            }
        }
    }

    /*
     * Why the kernels below are split into small methods that take only segments and offsets: a
     * FloatVector passed to a method C2 does not inline is boxed, and in one large method C2
     * stopped inlining (NodeCountInliningCutoff); the transforms then ran 3–4× slower. The scratch
     * {@code tmp} is native memory too, so every kernel reads and writes one kind of segment.
     */

    /** Floats of scratch {@code tmp} the transforms need: two 6×6 tiles of one vector each. */
    static final int SCRATCH_FLOATS = 2 * POSITIONS * LANES;

    /**
     * Bᵀ d B of tiles {@code [tile0, tile0 + count)} of a blocked {@code (channels, h, w)} image into
     * rows {@code 0..count} of {@code v} ({@code [36][rows][blocks · 16]}).
     *
     * @param tmp {@link #SCRATCH_FLOATS} floats of scratch
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
            MemorySegment tmp) {
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
                            bt(src, at + (long) j * BLOCK, rowStride, tmp, j * LANES, 6 * LANES);
                        }
                    } else {
                        gather(src, plane, y0, x0, h, w, l, tmp);
                        for (int j = 0; j < 6; j++) {
                            bt(tmp, 36 * LANES + j * LANES, 6 * LANES, tmp, j * LANES, 6 * LANES);
                        }
                    }
                    long out = (long) r * channels + (long) cb * BLOCK + l;
                    for (int i = 0; i < 6; i++) {
                        bt(tmp, i * 6 * LANES, LANES, v, out + i * 6 * positionStride, positionStride);
                    }
                }
            }
        }
    }

    /** A border tile's 6×6 pixels (zero outside the image) into tmp[36·LANES..72·LANES), row-major. */
    private static void gather(MemorySegment src, long plane, int y0, int x0, int h, int w, int l, MemorySegment tmp) {
        for (int i = 0; i < 6; i++) {
            int y = y0 + i;
            for (int j = 0; j < 6; j++) {
                int x = x0 + j;
                long at = 36 * LANES + (i * 6 + j) * LANES;
                boolean inside = y >= 0 && y < h && x >= 0 && x < w;
                Vectors.store(inside ? Vectors.load(src, ((plane + y) * w + x) * BLOCK + l) : ZERO, tmp, at);
            }
        }
    }

    /**
     * Bᵀ of (d_0..d_5), d_i = src[at + i · stride], into dst[to + i · step]: a column of the input
     * tile into tmp, then a row of tmp into the transformed tiles.
     */
    private static void bt(MemorySegment src, long at, long stride, MemorySegment dst, long to, long step) {
        FloatVector d0 = Vectors.load(src, at);
        FloatVector d1 = Vectors.load(src, at + stride);
        FloatVector d2 = Vectors.load(src, at + 2 * stride);
        FloatVector d3 = Vectors.load(src, at + 3 * stride);
        FloatVector d4 = Vectors.load(src, at + 4 * stride);
        FloatVector d5 = Vectors.load(src, at + 5 * stride);
        Vectors.store(d0.mul(4f).sub(d2.mul(5f)).add(d4), dst, to);
        Vectors.store(d3.add(d4).sub(d1.add(d2).mul(4f)), dst, to + step);
        Vectors.store(d1.sub(d2).mul(4f).add(d4.sub(d3)), dst, to + 2 * step);
        Vectors.store(d3.sub(d1).mul(2f).add(d4.sub(d2)), dst, to + 3 * step);
        Vectors.store(d1.sub(d3).mul(2f).add(d4.sub(d2)), dst, to + 4 * step);
        Vectors.store(d1.mul(4f).sub(d3.mul(5f)).add(d5), dst, to + 5 * step);
    }

    /**
     * Aᵀ m A of rows {@code 0..count} of {@code m} ({@code [36][rows][blocks · 16]}) into the output
     * tiles {@code [tile0, tile0 + count)} of a blocked {@code (blocks · 16, h, w)} image, adding
     * {@code bias} (null: none) and applying {@code max(y, slope · y)} when {@code activate}.
     *
     * @param tmp {@link #SCRATCH_FLOATS} floats of scratch
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
            MemorySegment tmp) {
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
                        at(
                                m,
                                in + j * positionStride,
                                6 * positionStride,
                                tmp,
                                j * LANES,
                                6 * LANES,
                                null,
                                0,
                                false,
                                0f);
                    }
                    int b = kb * BLOCK + l;
                    for (int i = 0; i < ny; i++) {
                        long o = ((plane + y0 + i) * w + x0) * BLOCK + l;
                        if (nx == TILE) {
                            at(tmp, i * 6 * LANES, LANES, dst, o, BLOCK, bias, b, activate, slope);
                        } else { // cut by the right edge: via tmp, then the columns inside
                            at(tmp, i * 6 * LANES, LANES, tmp, 36 * LANES, LANES, bias, b, activate, slope);
                            for (int j = 0; j < nx; j++) {
                                Vectors.store(Vectors.load(tmp, 36 * LANES + j * LANES), dst, o + j * BLOCK);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Aᵀ of (m_0..m_5), m_i = src[at + i · stride], plus bias[b..] (bias null: none), activated,
     * into dst[to + i · step] for i = 0..3: a column of M into tmp, then a row of tmp into the image.
     */
    private static void at(
            MemorySegment src,
            long at,
            long stride,
            MemorySegment dst,
            long to,
            long step,
            float[] bias,
            int b,
            boolean activate,
            float slope) {
        FloatVector m0 = Vectors.load(src, at);
        FloatVector m1 = Vectors.load(src, at + stride);
        FloatVector m2 = Vectors.load(src, at + 2 * stride);
        FloatVector m3 = Vectors.load(src, at + 3 * stride);
        FloatVector m4 = Vectors.load(src, at + 4 * stride);
        FloatVector m5 = Vectors.load(src, at + 5 * stride);
        FloatVector a12 = m1.add(m2), s12 = m1.sub(m2), a34 = m3.add(m4), s34 = m3.sub(m4);
        FloatVector y0 = m0.add(a12).add(a34);
        FloatVector y1 = s34.mul(2f).add(s12);
        FloatVector y2 = a34.mul(4f).add(a12);
        FloatVector y3 = s34.mul(8f).add(s12).add(m5);
        if (bias != null) {
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
        Vectors.store(y0, dst, to);
        Vectors.store(y1, dst, to + step);
        Vectors.store(y2, dst, to + 2 * step);
        Vectors.store(y3, dst, to + 3 * step);
    }
}
