package dev.nightmare.engine.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Backward data of a first convolution over the 3-channel image, straight into the planar image
 * gradient: {@code dx[c][iy][ix] = Σ_f Σ_ky Σ_kx W[f][c][ky][kx] · g[f][oy][ox]} over the taps with
 * {@code oy·s + ky − p = iy} (likewise x), for the {@code vector} backend, whose general kernel
 * computes it with the gradient padded to 16 channels (five times the work, then a conversion).
 * (oneDNN has the same limitation; this kernel halved layer 0's backward beside it — 69–73 ms to
 * 35–40 ms at 512² — but its first full-size call, before the JIT compiled it, cost more in a
 * 10-iteration run than it saved, and its garbage grew the heap by 0.4 GB.) The filters are the lanes
 * (one blocked gradient vector per tap), each pixel's three sums are reduced across lanes at the
 * end in lane order, and 4 pixels share each weight load. Each output is written by one thread.
 */
final class FirstLayerBackward {
    private static final int B = Layout.BLOCK;
    private static final int L = Vectors.LANES;
    /** The image's channels (darknet's nightmare needs a 3-channel network). */
    static final int CHANNELS = 3;

    private final Workers workers;
    private final int k;
    private final int s;
    private final int p;
    private final int blocks;
    /** {@code [c][filter block][ky][kx][16 filters]}. */
    private final float[] weights;

    FirstLayerBackward(Workers workers, ConvolutionalSpec conv, float[] kernels) {
        this.workers = workers;
        this.k = conv.size();
        this.s = conv.stride();
        this.p = conv.padding();
        this.blocks = Layout.blocks(conv.filters());
        int kk = k * k;
        this.weights = new float[CHANNELS * blocks * kk * B];
        for (int f = 0; f < conv.filters(); f++) {
            for (int c = 0; c < CHANNELS; c++) {
                for (int t = 0; t < kk; t++) {
                    weights[((c * blocks + f / B) * kk + t) * B + f % B] = kernels[(f * CHANNELS + c) * kk + t];
                }
            }
        }
    }

    /** Overwrites {@code dx} (planar, the image's shape) with dLoss/dImage given {@code g} = dLoss/dz (blocked). */
    void backward(CpuTensor g, CpuTensor dx) {
        Shape out = g.shape();
        Shape in = dx.shape();
        if (in.channels() != CHANNELS || dx.layout() != Layout.PLANAR || g.layout() != Layout.BLOCKED) {
            throw new IllegalArgumentException("expected a blocked gradient and a 3-channel planar image, got "
                    + g.shape() + " " + g.layout() + " → " + in + " " + dx.layout());
        }
        int inH = in.height(), inW = in.width(), outH = out.height(), outW = out.width();
        MemorySegment gs = g.data();
        MemorySegment ds = dx.data();
        long plane = (long) inH * inW;
        // Columns whose every tap (ox = ix + p − kx, stride 1) lies inside the gradient, 4 at a time.
        int insideFrom = Math.max(0, k - 1 - p);
        int insideTo = Math.min(inW, outW - p);
        workers.split(inH, (from, to) -> {
            // The accumulators' lanes, summed as scalars (a helper taking vectors might not be
            // inlined into these large methods, and would then box them).
            float[] lanes = new float[12 * L];
            for (int iy = from; iy < to; iy++) {
                int ix = 0;
                if (s == 1) {
                    for (; ix < insideFrom && ix < inW; ix++) {
                        pixel(gs, outH, outW, iy, ix, ds, plane, inW, lanes);
                    }
                    for (; ix + 4 <= insideTo; ix += 4) {
                        four(gs, outH, outW, iy, ix, ds, plane, inW, lanes);
                    }
                }
                for (; ix < inW; ix++) {
                    pixel(gs, outH, outW, iy, ix, ds, plane, inW, lanes);
                }
            }
        });
    }

    /** Pixels ix..ix+3 of row iy, stride 1, every column tap inside the gradient. */
    private void four(
            MemorySegment gs,
            int outH,
            int outW,
            int iy,
            int ix,
            MemorySegment ds,
            long plane,
            int inW,
            float[] lanes) {
        FloatVector zero = FloatVector.zero(Vectors.F);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        FloatVector b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        int kk = k * k;
        int kyFrom = Math.max(0, iy + p - outH + 1), kyTo = Math.min(k, iy + p + 1);
        for (int fb = 0; fb < blocks; fb++) {
            long gBlock = (long) fb * outH * outW * B;
            for (int ky = kyFrom; ky < kyTo; ky++) {
                long gRow = gBlock + (long) (iy + p - ky) * outW * B;
                for (int kx = 0; kx < k; kx++) {
                    long gi = gRow + (long) (ix + p - kx) * B;
                    int t = (fb * kk + ky * k + kx) * B;
                    for (int v = 0; v < B; v += L) {
                        FloatVector w0 = FloatVector.fromArray(Vectors.F, weights, t + v);
                        FloatVector w1 = FloatVector.fromArray(Vectors.F, weights, blocks * kk * B + t + v);
                        FloatVector w2 = FloatVector.fromArray(Vectors.F, weights, 2 * blocks * kk * B + t + v);
                        FloatVector g0 = Vectors.load(gs, gi + v);
                        FloatVector g1 = Vectors.load(gs, gi + B + v);
                        FloatVector g2 = Vectors.load(gs, gi + 2 * B + v);
                        FloatVector g3 = Vectors.load(gs, gi + 3 * B + v);
                        a0 = w0.fma(g0, a0);
                        a1 = w0.fma(g1, a1);
                        a2 = w0.fma(g2, a2);
                        a3 = w0.fma(g3, a3);
                        b0 = w1.fma(g0, b0);
                        b1 = w1.fma(g1, b1);
                        b2 = w1.fma(g2, b2);
                        b3 = w1.fma(g3, b3);
                        c0 = w2.fma(g0, c0);
                        c1 = w2.fma(g1, c1);
                        c2 = w2.fma(g2, c2);
                        c3 = w2.fma(g3, c3);
                    }
                }
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        b0.intoArray(lanes, 4 * L);
        b1.intoArray(lanes, 5 * L);
        b2.intoArray(lanes, 6 * L);
        b3.intoArray(lanes, 7 * L);
        c0.intoArray(lanes, 8 * L);
        c1.intoArray(lanes, 9 * L);
        c2.intoArray(lanes, 10 * L);
        c3.intoArray(lanes, 11 * L);
        long o = (long) iy * inW + ix;
        for (int c = 0; c < CHANNELS; c++) {
            for (int r = 0; r < 4; r++) {
                ds.setAtIndex(JAVA_FLOAT, c * plane + o + r, sum(lanes, (c * 4 + r) * L));
            }
        }
    }

    /** One pixel, any stride, every tap checked. */
    private void pixel(
            MemorySegment gs,
            int outH,
            int outW,
            int iy,
            int ix,
            MemorySegment ds,
            long plane,
            int inW,
            float[] lanes) {
        FloatVector a = FloatVector.zero(Vectors.F), b = a, c = a;
        int kk = k * k;
        for (int fb = 0; fb < blocks; fb++) {
            long gBlock = (long) fb * outH * outW * B;
            for (int ky = 0; ky < k; ky++) {
                int ty = iy + p - ky;
                if (ty < 0 || ty % s != 0 || ty / s >= outH) {
                    continue;
                }
                for (int kx = 0; kx < k; kx++) {
                    int tx = ix + p - kx;
                    if (tx < 0 || tx % s != 0 || tx / s >= outW) {
                        continue;
                    }
                    long gi = gBlock + ((long) (ty / s) * outW + tx / s) * B;
                    int t = (fb * kk + ky * k + kx) * B;
                    for (int v = 0; v < B; v += L) {
                        FloatVector gv = Vectors.load(gs, gi + v);
                        a = FloatVector.fromArray(Vectors.F, weights, t + v).fma(gv, a);
                        b = FloatVector.fromArray(Vectors.F, weights, blocks * kk * B + t + v)
                                .fma(gv, b);
                        c = FloatVector.fromArray(Vectors.F, weights, 2 * blocks * kk * B + t + v)
                                .fma(gv, c);
                    }
                }
            }
        }
        a.intoArray(lanes, 0);
        b.intoArray(lanes, L);
        c.intoArray(lanes, 2 * L);
        long o = (long) iy * inW + ix;
        ds.setAtIndex(JAVA_FLOAT, o, sum(lanes, 0));
        ds.setAtIndex(JAVA_FLOAT, plane + o, sum(lanes, L));
        ds.setAtIndex(JAVA_FLOAT, 2 * plane + o, sum(lanes, 2 * L));
    }

    /** Lanes {@code from..from+LANES−1} summed in order: the same bits wherever and however compiled. */
    private static float sum(float[] lanes, int from) {
        float total = 0f;
        for (int i = from; i < from + L; i++) {
            total += lanes[i];
        }
        return total;
    }
}
