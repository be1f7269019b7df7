package dev.nightmare.engine.cpu.vector;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.Vectors;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Direct convolutions in pure Java (Vector API), for machines where oneDNN cannot load. One vector
 * holds 16 output channels of one pixel; the inner step broadcasts one input value against a
 * 16-filter weight vector into 8 accumulators (8 output pixels of a row), so each weight load
 * feeds 8 fused multiply-adds. Backward-data of a stride-1 convolution is the same kernel run over
 * the output gradient with the kernels transposed and flipped (padding k−1−p); other strides use a
 * simpler gather kernel. Weights are packed once per layer; work is split over (channel block, row).
 */
final class VectorConvolutions implements Convolutions {
    private static final int B = Layout.BLOCK;
    /** Output pixels per register block. */
    private static final int UR = 8;

    private final Model model;
    private final Workers workers;
    /** (layer) {@code [filter block][channel][ky][kx][16 filters]}. */
    private final Map<Integer, float[]> forwardWeights = new HashMap<>();
    /** (layer) {@code [channel block][filter][ky][kx][16 channels]}, not flipped. */
    private final Map<Integer, float[]> transposedWeights = new HashMap<>();

    VectorConvolutions(Model model, Workers workers) {
        this.model = model;
        this.workers = workers;
    }

    private float[] forwardWeights(int layer, int channels) {
        return forwardWeights.computeIfAbsent(layer, l -> {
            ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(l);
            float[] w = model.convolutional(l).kernels();
            int k = conv.size(), f = conv.filters();
            float[] packed = new float[Layout.blocks(f) * channels * k * k * B];
            for (int o = 0; o < f; o++) {
                for (int c = 0; c < channels; c++) {
                    for (int t = 0; t < k * k; t++) {
                        packed[(((o / B) * channels + c) * k * k + t) * B + o % B] = w[(o * channels + c) * k * k + t];
                    }
                }
            }
            return packed;
        });
    }

    private float[] transposedWeights(int layer, int channels) {
        return transposedWeights.computeIfAbsent(layer, l -> {
            ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(l);
            float[] w = model.convolutional(l).kernels();
            int k = conv.size(), f = conv.filters();
            float[] packed = new float[Layout.blocks(channels) * f * k * k * B];
            for (int o = 0; o < f; o++) {
                for (int c = 0; c < channels; c++) {
                    for (int t = 0; t < k * k; t++) {
                        packed[(((c / B) * f + o) * k * k + t) * B + c % B] = w[(o * channels + c) * k * k + t];
                    }
                }
            }
            return packed;
        });
    }

    @Override
    public Convolution prepare(int layer, Shape in, Layout inLayout, Shape out, boolean biasAndActivation) {
        ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(layer);
        ConvolutionalWeights w = model.convolutional(layer);
        float[] bias = new float[Layout.blocks(conv.filters()) * B];
        if (biasAndActivation) {
            System.arraycopy(w.biases(), 0, bias, 0, conv.filters());
        }
        Activation act = biasAndActivation ? conv.activation() : Activation.LINEAR;
        float[] forward = forwardWeights(layer, in.channels());
        float[] transposed = transposedWeights(layer, in.channels());
        int k = conv.size(), s = conv.stride(), p = conv.padding();
        // Backward-data's outputs are the layer's input channels.
        float[] noBias = new float[Layout.blocks(in.channels()) * B];
        return new Convolution() {
            @Override
            public void forward(CpuTensor src, CpuTensor dst) {
                convolve(src, in.channels(), forward, bias, act, k, s, p, false, dst);
            }

            @Override
            public void backwardData(CpuTensor gradOut, CpuTensor gradIn) {
                if (s == 1) {
                    convolve(
                            gradOut,
                            conv.filters(),
                            transposed,
                            noBias,
                            Activation.LINEAR,
                            k,
                            1,
                            k - 1 - p,
                            true,
                            gradIn);
                } else {
                    gatherBackward(gradOut, conv.filters(), transposed, k, s, p, gradIn);
                }
            }
        };
    }

    /**
     * {@code dst[o][oy][ox] = act(bias[o] + Σ_c Σ_ky Σ_kx W[o][c][ky][kx]·src[c][oy·s+ky−p][ox·s+kx−p])},
     * zero outside the input; W is {@code weights} read as {@code [o block][c][ky][kx][16]}, with
     * (ky, kx) mirrored when {@code flip}. {@code src} may be planar or blocked; dst is blocked.
     */
    private void convolve(
            CpuTensor src,
            int channels,
            float[] weights,
            float[] bias,
            Activation act,
            int k,
            int s,
            int p,
            boolean flip,
            CpuTensor dst) {
        Shape in = src.shape();
        Shape out = dst.shape();
        int inH = in.height(), inW = in.width(), outH = out.height(), outW = out.width();
        boolean planar = src.layout() == Layout.PLANAR;
        long pixel = planar ? 1 : B;
        long rowStride = (long) inW * pixel;
        MemorySegment x = src.data();
        MemorySegment y = dst.data();
        int blocks = Layout.blocks(out.channels());
        // Output columns whose whole window lies inside the input: no bounds checks there.
        int oxSafeFrom = Math.min(outW, Math.max(0, ceilDiv(p, s)));
        int oxSafeTo = Math.max(oxSafeFrom, Math.min(outW, Math.floorDiv(inW - k + p, s) + 1));
        workers.split(blocks * outH, (from, to) -> {
            for (int task = from; task < to; task++) {
                int fb = task / outH;
                int oy = task % outH;
                int kyFrom = Math.max(0, p - oy * s);
                int kyTo = Math.min(k, inH + p - oy * s);
                long yRow = ((long) fb * outH + oy) * outW * B;
                FloatVector b = FloatVector.fromArray(Vectors.F, bias, fb * B);
                int ox = 0;
                for (; ox < oxSafeFrom; ox++) {
                    pixelChecked(
                            x, planar, inH, inW, rowStride, pixel, channels, weights, fb, k, s, p, flip, oy, kyFrom,
                            kyTo, ox, bias, act, y, yRow);
                }
                if (Vectors.LANES == B) {
                    for (; ox + UR <= oxSafeTo; ox += UR) {
                        block8(
                                x, planar, inH, inW, rowStride, pixel, channels, weights, fb, k, s, p, flip, oy, kyFrom,
                                kyTo, ox, b, act, y, yRow);
                    }
                }
                for (; ox < outW; ox++) {
                    pixelChecked(
                            x, planar, inH, inW, rowStride, pixel, channels, weights, fb, k, s, p, flip, oy, kyFrom,
                            kyTo, ox, bias, act, y, yRow);
                }
            }
        });
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    /** Float index of input channel c's (0, 0) pixel. */
    private static long channelBase(boolean planar, int c, int inH, int inW) {
        return planar ? (long) c * inH * inW : ((long) (c / B) * inH * inW) * B + c % B;
    }

    /** Eight output pixels ox..ox+7 of filter block fb, all windows inside the input columns. */
    private static void block8(
            MemorySegment x,
            boolean planar,
            int inH,
            int inW,
            long rowStride,
            long pixel,
            int channels,
            float[] w,
            int fb,
            int k,
            int s,
            int p,
            boolean flip,
            int oy,
            int kyFrom,
            int kyTo,
            int ox,
            FloatVector bias,
            Activation act,
            MemorySegment y,
            long yRow) {
        FloatVector a0 = FloatVector.zero(Vectors.F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        long step = s * pixel;
        for (int c = 0; c < channels; c++) {
            long cBase = channelBase(planar, c, inH, inW);
            int wBase = (fb * channels + c) * k * k;
            for (int ky = kyFrom; ky < kyTo; ky++) {
                long row = cBase + (long) (oy * s + ky - p) * rowStride + (long) (ox * s - p) * pixel;
                for (int kx = 0; kx < k; kx++) {
                    int t = flip ? (k - 1 - ky) * k + (k - 1 - kx) : ky * k + kx;
                    FloatVector wv = FloatVector.fromArray(Vectors.F, w, (wBase + t) * B);
                    long i = row + kx * pixel;
                    a0 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i))
                            .fma(wv, a0);
                    a1 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i + step))
                            .fma(wv, a1);
                    a2 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i + 2 * step))
                            .fma(wv, a2);
                    a3 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i + 3 * step))
                            .fma(wv, a3);
                    a4 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i + 4 * step))
                            .fma(wv, a4);
                    a5 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i + 5 * step))
                            .fma(wv, a5);
                    a6 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i + 6 * step))
                            .fma(wv, a6);
                    a7 = FloatVector.broadcast(Vectors.F, x.getAtIndex(JAVA_FLOAT, i + 7 * step))
                            .fma(wv, a7);
                }
            }
        }
        long o = yRow + (long) ox * B;
        Vectors.store(finish(a0, bias, act), y, o);
        Vectors.store(finish(a1, bias, act), y, o + B);
        Vectors.store(finish(a2, bias, act), y, o + 2 * B);
        Vectors.store(finish(a3, bias, act), y, o + 3 * B);
        Vectors.store(finish(a4, bias, act), y, o + 4 * B);
        Vectors.store(finish(a5, bias, act), y, o + 5 * B);
        Vectors.store(finish(a6, bias, act), y, o + 6 * B);
        Vectors.store(finish(a7, bias, act), y, o + 7 * B);
    }

    /** One output pixel with every tap checked against the input bounds (borders, and any vector width). */
    private static void pixelChecked(
            MemorySegment x,
            boolean planar,
            int inH,
            int inW,
            long rowStride,
            long pixel,
            int channels,
            float[] w,
            int fb,
            int k,
            int s,
            int p,
            boolean flip,
            int oy,
            int kyFrom,
            int kyTo,
            int ox,
            float[] bias,
            Activation act,
            MemorySegment y,
            long yRow) {
        int kxFrom = Math.max(0, p - ox * s);
        int kxTo = Math.min(k, inW + p - ox * s);
        for (int v = 0; v < B; v += Vectors.LANES) {
            FloatVector acc = FloatVector.zero(Vectors.F);
            for (int c = 0; c < channels; c++) {
                long cBase = channelBase(planar, c, inH, inW);
                int wBase = (fb * channels + c) * k * k;
                for (int ky = kyFrom; ky < kyTo; ky++) {
                    long row = cBase + (long) (oy * s + ky - p) * rowStride;
                    for (int kx = kxFrom; kx < kxTo; kx++) {
                        int t = flip ? (k - 1 - ky) * k + (k - 1 - kx) : ky * k + kx;
                        FloatVector wv = FloatVector.fromArray(Vectors.F, w, (wBase + t) * B + v);
                        float xv = x.getAtIndex(JAVA_FLOAT, row + (long) (ox * s + kx - p) * pixel);
                        acc = FloatVector.broadcast(Vectors.F, xv).fma(wv, acc);
                    }
                }
            }
            // Lanes v.. of the block's bias: a block is B / LANES vectors where vectors are narrower.
            FloatVector b = FloatVector.fromArray(Vectors.F, bias, fb * B + v);
            Vectors.store(finish(acc, b, act), y, yRow + (long) ox * B + v);
        }
    }

    private static FloatVector finish(FloatVector acc, FloatVector bias, Activation act) {
        return activate(acc.add(bias), act);
    }

    private static FloatVector activate(FloatVector y, Activation act) {
        return switch (act) {
            case LINEAR -> y;
            case RELU -> FloatVector.zero(Vectors.F).blend(y, y.compare(VectorOperators.GT, 0f));
            case LEAKY -> y.mul(0.1f).blend(y, y.compare(VectorOperators.GT, 0f));
        };
    }

    /**
     * Backward-data of a strided convolution: {@code dx[c][iy][ix] = Σ_f Σ_(ky,kx) W[f][c][ky][kx] ·
     * g[f][oy][ox]} over the taps with {@code oy·s + ky − p = iy} (likewise x).
     */
    private void gatherBackward(CpuTensor g, int filters, float[] wt, int k, int s, int p, CpuTensor dx) {
        Shape out = g.shape();
        Shape in = dx.shape();
        int outH = out.height(), outW = out.width(), inH = in.height(), inW = in.width();
        MemorySegment gs = g.data();
        MemorySegment ds = dx.data();
        int blocks = Layout.blocks(in.channels());
        workers.split(blocks * inH, (from, to) -> {
            for (int task = from; task < to; task++) {
                int cb = task / inH;
                int iy = task % inH;
                for (int ix = 0; ix < inW; ix++) {
                    for (int v = 0; v < B; v += Vectors.LANES) {
                        FloatVector acc = FloatVector.zero(Vectors.F);
                        for (int f = 0; f < filters; f++) {
                            long gBase = ((long) (f / B) * outH * outW) * B + f % B;
                            int wBase = (cb * filters + f) * k * k;
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
                                    float gv = gs.getAtIndex(JAVA_FLOAT, gBase + ((long) (ty / s) * outW + tx / s) * B);
                                    FloatVector wv =
                                            FloatVector.fromArray(Vectors.F, wt, (wBase + ky * k + kx) * B + v);
                                    acc = FloatVector.broadcast(Vectors.F, gv).fma(wv, acc);
                                }
                            }
                        }
                        Vectors.store(acc, ds, (((long) cb * inH + iy) * inW + ix) * B + v);
                    }
                }
            }
        });
    }

    /** Layer 0's backward as 3 channels instead of 16 padded ones and a conversion. */
    @Override
    public boolean javaFirstLayerBackward() {
        return true;
    }

    @Override
    public void close() {
        forwardWeights.clear();
        transposedWeights.clear();
    }
}
