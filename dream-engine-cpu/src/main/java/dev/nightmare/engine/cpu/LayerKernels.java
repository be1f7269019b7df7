package dev.nightmare.engine.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Layer maths on channel-blocked tensors ({@link Layout#BLOCKED}), everything but the convolutions
 * themselves: batch norm and activation, their backward passes, darknet's maxpool, avgpool and
 * softmax, the loss gradient, and layout conversion. One vector holds one pixel's channels of a block, so per-channel
 * parameters are plain vectors and per-channel sums are lane-wise. Each output is written by one
 * thread; per-channel sums run in one fixed order, so results are reproducible bit for bit.
 *
 * <p>Every kernel has a scalar form beside its vector form ({@link KernelChoice}): the same float
 * operations in the same order, lane by lane (a lane's running sum is a float of its own, as in the
 * vector), so both give the same bits; the scalar one is fast before the JIT's top tier has run.
 */
public final class LayerKernels {
    private static final int B = Layout.BLOCK;
    private static final int L = Vectors.LANES;

    private final Workers workers;
    private final KernelChoice choice;

    public LayerKernels(Workers workers) {
        this(workers, new KernelChoice(KernelChoice.Mode.VECTOR));
    }

    public LayerKernels(Workers workers, KernelChoice choice) {
        this.workers = workers;
        this.choice = choice;
    }

    /** Per-channel constants of a layer, zero-padded to whole blocks (padding lanes stay zero). */
    public record ChannelParameters(float[] scale, float[] shift, float[] mean, double[] divisor, float[] variance) {
        /**
         * darknet's inference batch norm: {@code y = (float) ((z − mean)/divisor) · scale + shift},
         * with divisor = √variance + 1e-6f in double; without batch norm scale = 1, mean = 0,
         * divisor = 1, shift = bias.
         */
        public static ChannelParameters of(ConvolutionalWeights w, int channels) {
            int padded = Layout.blocks(channels) * B;
            float[] scale = new float[padded];
            float[] shift = new float[padded];
            float[] mean = new float[padded];
            double[] divisor = new double[padded];
            float[] variance = new float[padded];
            java.util.Arrays.fill(divisor, 1);
            for (int f = 0; f < channels; f++) {
                shift[f] = w.biases()[f];
                if (w.batchNormalized()) {
                    scale[f] = w.scales()[f];
                    mean[f] = w.rollingMean()[f];
                    variance[f] = w.rollingVariance()[f];
                    divisor[f] = Math.sqrt(w.rollingVariance()[f]) + 0.000001f;
                } else {
                    scale[f] = 1f;
                }
            }
            return new ChannelParameters(scale, shift, mean, divisor, variance);
        }
    }

    // ---- forward ----------------------------------------------------------------------------

    /**
     * {@code a = act((float) ((z − mean)/divisor) · scale + shift)} (darknet normalize_cpu,
     * scale_bias, add_bias), rounded as darknet and the reference do it: the subtraction in float,
     * the division in double, the scale and shift in float, leaky's 0.1·y in double.
     */
    public void normalizeAndActivate(CpuTensor z, CpuTensor a, ChannelParameters p, Activation act) {
        Shape s = z.shape();
        MemorySegment zs = z.data();
        MemorySegment as = a.data();
        int blocks = Layout.blocks(s.channels());
        int rows = blocks * s.height();
        int half = L / 2;
        if (!choice.vector()) {
            workers.split(rows, (from, to) -> normalizeRows(zs, as, s.height(), s.width(), p, act, from, to));
            return;
        }
        workers.split(rows, (from, to) -> {
            for (int row = from; row < to; row++) {
                int cb = row / s.height();
                for (int v = 0; v < B; v += L) {
                    int c = cb * B + v;
                    FloatVector mean = FloatVector.fromArray(Vectors.F, p.mean(), c);
                    DoubleVector divLo = DoubleVector.fromArray(DarknetRounding.D, p.divisor(), c);
                    DoubleVector divHi = DoubleVector.fromArray(DarknetRounding.D, p.divisor(), c + half);
                    FloatVector scale = FloatVector.fromArray(Vectors.F, p.scale(), c);
                    FloatVector shift = FloatVector.fromArray(Vectors.F, p.shift(), c);
                    long base = (long) row * s.width() * B + v;
                    for (int x = 0; x < s.width(); x++) {
                        long i = base + (long) x * B;
                        FloatVector y = DarknetRounding.divide(
                                        Vectors.load(zs, i).sub(mean), divLo, divHi)
                                .mul(scale)
                                .add(shift);
                        Vectors.store(DarknetRounding.activate(y, act), as, i);
                    }
                }
            }
        });
    }

    /** {@link #normalizeAndActivate}'s scalar form for rows {@code [from, to)} (block × y). */
    private static void normalizeRows(
            MemorySegment zs, MemorySegment as, int h, int w, ChannelParameters p, Activation act, int from, int to) {
        float[] z = new float[w * B];
        for (int row = from; row < to; row++) {
            int c0 = row / h * B;
            long base = (long) row * w * B;
            MemorySegment.copy(zs, JAVA_FLOAT, base * Float.BYTES, z, 0, z.length);
            for (int x = 0; x < w; x++) {
                int i = x * B;
                for (int l = 0; l < B; l++) {
                    int c = c0 + l;
                    float y =
                            (float) ((double) (z[i + l] - p.mean()[c]) / p.divisor()[c]) * p.scale()[c] + p.shift()[c];
                    z[i + l] = activate(y, act);
                }
            }
            MemorySegment.copy(z, 0, as, JAVA_FLOAT, base * Float.BYTES, z.length);
        }
    }

    /** {@link DarknetRounding#activate}, one value. */
    private static float activate(float y, Activation act) {
        return switch (act) {
            case LINEAR -> y;
            case RELU -> y > 0f ? y : 0f;
            case LEAKY -> y > 0f ? y : (float) (0.1 * y);
        };
    }

    private static final FloatVector ZERO = FloatVector.zero(Vectors.F);

    /** darknet forward_maxpool_layer; {@code argmax} receives the winning window position (ky·size + kx). */
    public void maxpool(CpuTensor x, CpuTensor y, CpuTensor argmax, MaxpoolSpec pool) {
        Shape in = x.shape();
        Shape out = y.shape();
        int inH = in.height(), inW = in.width(), outH = out.height(), outW = out.width();
        int size = pool.size(), stride = pool.stride(), off = pool.offset();
        MemorySegment xs = x.data();
        MemorySegment ys = y.data();
        MemorySegment as = argmax.data();
        int blocks = Layout.blocks(in.channels());
        if (!choice.vector()) {
            workers.split(blocks * outH, (from, to) -> {
                float[][] rows = new float[size][inW * B];
                float[] max = new float[outW * B];
                float[] arg = new float[outW * B];
                for (int row = from; row < to; row++) {
                    maxpoolRow(xs, ys, as, row, inH, inW, outH, outW, size, stride, off, rows, max, arg);
                }
            });
            return;
        }
        workers.split(blocks * outH, (from, to) -> {
            for (int row = from; row < to; row++) {
                int cb = row / outH;
                int oy = row % outH;
                long xBlock = (long) cb * inH * inW * B;
                int y0 = off + oy * stride;
                int kyFrom = Math.max(0, -y0), kyTo = Math.min(size, inH - y0);
                for (int ox = 0; ox < outW; ox++) {
                    int x0 = off + ox * stride;
                    int kxFrom = Math.max(0, -x0), kxTo = Math.min(size, inW - x0);
                    long o = (((long) cb * outH + oy) * outW + ox) * B;
                    for (int v = 0; v < B; v += L) {
                        // The first cell inside the input starts the scan; later cells win only when strictly larger.
                        FloatVector max = Vectors.load(xs, xBlock + ((long) (y0 + kyFrom) * inW + x0 + kxFrom) * B + v);
                        FloatVector arg = FloatVector.broadcast(Vectors.F, kyFrom * size + kxFrom);
                        for (int ky = kyFrom; ky < kyTo; ky++) {
                            for (int kx = kxFrom; kx < kxTo; kx++) {
                                if (ky == kyFrom && kx == kxFrom) {
                                    continue;
                                }
                                FloatVector cell =
                                        Vectors.load(xs, xBlock + ((long) (y0 + ky) * inW + x0 + kx) * B + v);
                                VectorMask<Float> larger = cell.compare(VectorOperators.GT, max);
                                max = max.blend(cell, larger);
                                arg = arg.blend((float) (ky * size + kx), larger);
                            }
                        }
                        Vectors.store(max, ys, o + v);
                        Vectors.store(arg, as, o + v);
                    }
                }
            }
        });
    }

    /**
     * darknet forward_avgpool_layer on a blocked input into a blocked c×1×1 output: per channel the
     * float sum of its positions from 0 in position order (one lane per channel, so the order is
     * darknet's), then one float division by their count. Bit-identical to the reference.
     */
    public void avgpool(CpuTensor x, CpuTensor y) {
        Shape in = x.shape();
        int plane = in.height() * in.width();
        MemorySegment xs = x.data();
        MemorySegment ys = y.data();
        workers.split(Layout.blocks(in.channels()), (from, to) -> {
            for (int cb = from; cb < to; cb++) {
                long base = (long) cb * plane * B;
                for (int v = 0; v < B; v += L) {
                    FloatVector sum = ZERO;
                    for (int i = 0; i < plane; i++) {
                        sum = sum.add(Vectors.load(xs, base + (long) i * B + v));
                    }
                    Vectors.store(sum.div((float) plane), ys, (long) cb * B + v);
                }
            }
        });
    }

    /**
     * darknet softmax_cpu over {@code groups} contiguous runs of the input's channels × positions in
     * planar order (any layouts): per run the maximum, {@code e = exp(x/t − max/t)} (float quotients
     * and difference, exp in double, stored as float), their float sum in order, then {@code e/sum}.
     * Scalar, in the reference's order: bit-identical to it. Padding lanes of {@code y} stay 0.
     */
    public void softmax(CpuTensor x, CpuTensor y, int groups, float temperature) {
        Shape s = x.shape();
        int n = (int) (s.size() / groups);
        float[] in = new float[(int) s.size()];
        float[] out = new float[in.length];
        CpuTensor planarIn = CpuTensor.view(s, Layout.PLANAR, MemorySegment.ofArray(in));
        convert(x, planarIn);
        for (int g = 0; g < groups; g++) {
            int from = g * n;
            float largest = -Float.MAX_VALUE;
            for (int i = from; i < from + n; i++) {
                if (in[i] > largest) {
                    largest = in[i];
                }
            }
            float sum = 0;
            for (int i = from; i < from + n; i++) {
                float e = (float) Math.exp(in[i] / temperature - largest / temperature);
                sum += e;
                out[i] = e;
            }
            for (int i = from; i < from + n; i++) {
                out[i] /= sum;
            }
        }
        convert(CpuTensor.view(s, Layout.PLANAR, MemorySegment.ofArray(out)), y);
    }

    /** {@link #maxpool}'s scalar form for output row {@code row} (block × oy). */
    private static void maxpoolRow(
            MemorySegment xs,
            MemorySegment ys,
            MemorySegment as,
            int row,
            int inH,
            int inW,
            int outH,
            int outW,
            int size,
            int stride,
            int off,
            float[][] rows,
            float[] max,
            float[] arg) {
        int cb = row / outH;
        int oy = row % outH;
        long xBlock = (long) cb * inH * inW * B;
        int y0 = off + oy * stride;
        int kyFrom = Math.max(0, -y0), kyTo = Math.min(size, inH - y0);
        for (int ky = kyFrom; ky < kyTo; ky++) {
            MemorySegment.copy(
                    xs, JAVA_FLOAT, (xBlock + (long) (y0 + ky) * inW * B) * Float.BYTES, rows[ky], 0, inW * B);
        }
        for (int ox = 0; ox < outW; ox++) {
            int x0 = off + ox * stride;
            int kxFrom = Math.max(0, -x0), kxTo = Math.min(size, inW - x0);
            int o = ox * B;
            float[] first = rows[kyFrom];
            int at = (x0 + kxFrom) * B;
            for (int l = 0; l < B; l++) {
                float m = first[at + l];
                float a = kyFrom * size + kxFrom;
                for (int ky = kyFrom; ky < kyTo; ky++) {
                    float[] r = rows[ky];
                    for (int kx = kxFrom; kx < kxTo; kx++) {
                        float cell = r[(x0 + kx) * B + l];
                        if (cell > m) {
                            m = cell;
                            a = ky * size + kx;
                        }
                    }
                }
                max[o + l] = m;
                arg[o + l] = a;
            }
        }
        long out = ((long) cb * outH + oy) * outW * B * Float.BYTES;
        MemorySegment.copy(max, 0, ys, JAVA_FLOAT, out, outW * B);
        MemorySegment.copy(arg, 0, as, JAVA_FLOAT, out, outW * B);
    }

    // ---- backward ---------------------------------------------------------------------------

    /**
     * darknet backward_avgpool_layer: every position of channel c gets {@code g[c] / (h·w)}, from a
     * blocked c×1×1 gradient into a blocked input-shaped one. Overwrites {@code dx}.
     */
    public void avgpoolBackward(CpuTensor g, CpuTensor dx) {
        Shape in = dx.shape();
        int plane = in.height() * in.width();
        MemorySegment gs = g.data();
        MemorySegment ds = dx.data();
        workers.split(Layout.blocks(in.channels()), (from, to) -> {
            for (int cb = from; cb < to; cb++) {
                long base = (long) cb * plane * B;
                for (int v = 0; v < B; v += L) {
                    FloatVector share = Vectors.load(gs, (long) cb * B + v).div((float) plane);
                    for (int i = 0; i < plane; i++) {
                        Vectors.store(share, ds, base + (long) i * B + v);
                    }
                }
            }
        });
    }

    /** {@code g = delta · act'(a)}, the derivative taken from the activated output; g may be delta. */
    public void activationBackward(CpuTensor delta, CpuTensor a, CpuTensor g, Activation act) {
        MemorySegment ds = delta.data();
        MemorySegment as = a.data();
        MemorySegment gs = g.data();
        long n = delta.storageFloats();
        if (act == Activation.LINEAR) {
            if (g != delta) {
                MemorySegment.copy(ds, 0, gs, 0, n * Float.BYTES);
            }
            return;
        }
        float slope = act == Activation.LEAKY ? 0.1f : 0f;
        long vectors = n / L;
        int chunks = (int) Math.min(Integer.MAX_VALUE, (vectors + 1023) / 1024);
        if (!choice.vector()) {
            workers.split(
                    chunks,
                    (from, to) -> derivatives(
                            ds, as, gs, slope, (long) from * 1024 * L, Math.min(vectors, (long) to * 1024) * L));
            return;
        }
        workers.split(chunks, (from, to) -> {
            long end = Math.min(vectors, (long) to * 1024) * L;
            for (long i = (long) from * 1024 * L; i < end; i += L) {
                Vectors.store(derivative(Vectors.load(ds, i), Vectors.load(as, i), slope), gs, i);
            }
        });
    }

    /** {@link #derivative}'s scalar form: {@code g = a > 0 ? delta : delta · slope} over [from, to). */
    private static void derivatives(
            MemorySegment ds, MemorySegment as, MemorySegment gs, float slope, long from, long to) {
        int chunk = (int) Math.min(to - from, STAGE);
        float[] d = new float[chunk];
        float[] a = new float[chunk];
        for (long start = from; start < to; start += chunk) {
            int n = (int) Math.min(chunk, to - start);
            MemorySegment.copy(ds, JAVA_FLOAT, start * Float.BYTES, d, 0, n);
            MemorySegment.copy(as, JAVA_FLOAT, start * Float.BYTES, a, 0, n);
            for (int i = 0; i < n; i++) {
                d[i] = a[i] > 0f ? d[i] : d[i] * slope;
            }
            MemorySegment.copy(d, 0, gs, JAVA_FLOAT, start * Float.BYTES, n);
        }
    }

    /**
     * Floats a scalar kernel copies into an array at a time: its loops then run over arrays, which
     * the JIT's first tier compiles to fast code (a memory segment's accessors it does not inline).
     */
    private static final int STAGE = 1 << 14;

    private static FloatVector derivative(FloatVector delta, FloatVector a, float slope) {
        VectorMask<Float> positive = a.compare(VectorOperators.GT, 0f);
        return delta.mul(slope).blend(delta, positive);
    }

    /**
     * Batch norm backward on g = dL/dy, in place, giving dL/dz. {@link BatchNormGradient#EXACT}:
     * {@code g·scale/divisor}. {@link BatchNormGradient#DARKNET}: darknet backward_batchnorm_layer
     * with the rolling statistics (shared/spec/NIGHTMARE.md, Layers); its sums over each channel's
     * positions accumulate in double, in position order.
     */
    public void batchNormBackward(CpuTensor g, CpuTensor z, ChannelParameters p, BatchNormGradient mode) {
        Shape s = g.shape();
        int n = s.height() * s.width();
        MemorySegment gs = g.data();
        MemorySegment zs = z.data();
        int blocks = Layout.blocks(s.channels());
        if (!choice.vector()) {
            workers.split(blocks, (from, to) -> {
                for (int cb = from; cb < to; cb++) {
                    batchNormBackwardBlock(gs, zs, cb, s.height(), s.width(), p, mode);
                }
            });
            return;
        }
        workers.split(blocks * (B / L), (from, to) -> {
            for (int task = from; task < to; task++) {
                int cb = task / (B / L);
                int v = task % (B / L) * L;
                int c = cb * B + v;
                long base = (long) cb * n * B + v;
                FloatVector scale = FloatVector.fromArray(Vectors.F, p.scale(), c);
                if (mode == BatchNormGradient.EXACT) {
                    float[] factor = new float[L];
                    for (int l = 0; l < L; l++) {
                        factor[l] = (float) (p.scale()[c + l] / (Math.sqrt(p.variance()[c + l]) + 0.000001f));
                    }
                    FloatVector f = FloatVector.fromArray(Vectors.F, factor, 0);
                    for (int i = 0; i < n; i++) {
                        long o = base + (long) i * B;
                        Vectors.store(Vectors.load(gs, o).mul(f), gs, o);
                    }
                    continue;
                }
                FloatVector mean = FloatVector.fromArray(Vectors.F, p.mean(), c);
                // Per channel: float sums along each row, added into double sums row by row (position order).
                double[] sumDelta = new double[L];
                double[] sumCentered = new double[L];
                float[] lanes = new float[L];
                int w = s.width();
                // Pass 1: g ← g·scale; Σg and Σg·(z − mean) per channel.
                for (int y = 0; y < s.height(); y++) {
                    FloatVector rowDelta = ZERO;
                    FloatVector rowCentered = ZERO;
                    for (int x = 0; x < w; x++) {
                        long o = base + ((long) y * w + x) * B;
                        FloatVector gv = Vectors.load(gs, o).mul(scale);
                        Vectors.store(gv, gs, o);
                        rowDelta = rowDelta.add(gv);
                        rowCentered = rowCentered.add(gv.mul(Vectors.load(zs, o).sub(mean)));
                    }
                    rowDelta.intoArray(lanes, 0);
                    for (int l = 0; l < L; l++) {
                        sumDelta[l] += lanes[l];
                    }
                    rowCentered.intoArray(lanes, 0);
                    for (int l = 0; l < L; l++) {
                        sumCentered[l] += lanes[l];
                    }
                }
                float[] invStd = new float[L];
                float[] centeredFactor = new float[L];
                float[] offset = new float[L];
                for (int l = 0; l < L; l++) {
                    float variance = p.variance()[c + l];
                    double meanDelta = (float) (sumDelta[l] * (-1. / Math.sqrt(variance + .00001f)));
                    double varianceDelta =
                            (float) (sumCentered[l] * -.5 * Math.pow(variance + .00001f, (float) (-3. / 2.)));
                    invStd[l] = (float) (1. / Math.sqrt(variance + .00001f));
                    centeredFactor[l] = (float) (varianceDelta * 2. / n);
                    offset[l] = (float) (meanDelta / n);
                }
                FloatVector vInv = FloatVector.fromArray(Vectors.F, invStd, 0);
                FloatVector vCentered = FloatVector.fromArray(Vectors.F, centeredFactor, 0);
                FloatVector vOffset = FloatVector.fromArray(Vectors.F, offset, 0);
                // Pass 2: g ← g/√(v+e) + σΔ·2·(z − mean)/N + μΔ/N.
                for (int i = 0; i < n; i++) {
                    long o = base + (long) i * B;
                    FloatVector zc = Vectors.load(zs, o).sub(mean);
                    Vectors.store(
                            Vectors.load(gs, o).mul(vInv).add(vCentered.mul(zc)).add(vOffset), gs, o);
                }
            }
        });
    }

    /** {@link #batchNormBackward}'s scalar form for channel block {@code cb}. */
    private static void batchNormBackwardBlock(
            MemorySegment gs, MemorySegment zs, int cb, int h, int w, ChannelParameters p, BatchNormGradient mode) {
        int n = h * w;
        int c0 = cb * B;
        long base = (long) cb * n * B;
        float[] g = new float[w * B];
        float[] z = new float[w * B];
        if (mode == BatchNormGradient.EXACT) {
            float[] factor = new float[B];
            for (int l = 0; l < B; l++) {
                factor[l] = (float) (p.scale()[c0 + l] / (Math.sqrt(p.variance()[c0 + l]) + 0.000001f));
            }
            for (int y = 0; y < h; y++) {
                long at = (base + (long) y * w * B) * Float.BYTES;
                MemorySegment.copy(gs, JAVA_FLOAT, at, g, 0, g.length);
                for (int i = 0; i < g.length; i++) {
                    g[i] = g[i] * factor[i % B];
                }
                MemorySegment.copy(g, 0, gs, JAVA_FLOAT, at, g.length);
            }
            return;
        }
        double[] sumDelta = new double[B];
        double[] sumCentered = new double[B];
        float[] rowDelta = new float[B];
        float[] rowCentered = new float[B];
        for (int y = 0; y < h; y++) {
            long at = (base + (long) y * w * B) * Float.BYTES;
            MemorySegment.copy(gs, JAVA_FLOAT, at, g, 0, g.length);
            MemorySegment.copy(zs, JAVA_FLOAT, at, z, 0, z.length);
            java.util.Arrays.fill(rowDelta, 0f);
            java.util.Arrays.fill(rowCentered, 0f);
            for (int x = 0; x < w; x++) {
                int o = x * B;
                for (int l = 0; l < B; l++) {
                    float gv = g[o + l] * p.scale()[c0 + l];
                    g[o + l] = gv;
                    rowDelta[l] += gv;
                    rowCentered[l] += gv * (z[o + l] - p.mean()[c0 + l]);
                }
            }
            MemorySegment.copy(g, 0, gs, JAVA_FLOAT, at, g.length);
            for (int l = 0; l < B; l++) {
                sumDelta[l] += rowDelta[l];
                sumCentered[l] += rowCentered[l];
            }
        }
        float[] invStd = new float[B];
        float[] centeredFactor = new float[B];
        float[] offset = new float[B];
        for (int l = 0; l < B; l++) {
            float variance = p.variance()[c0 + l];
            double meanDelta = (float) (sumDelta[l] * (-1. / Math.sqrt(variance + .00001f)));
            double varianceDelta = (float) (sumCentered[l] * -.5 * Math.pow(variance + .00001f, (float) (-3. / 2.)));
            invStd[l] = (float) (1. / Math.sqrt(variance + .00001f));
            centeredFactor[l] = (float) (varianceDelta * 2. / n);
            offset[l] = (float) (meanDelta / n);
        }
        for (int y = 0; y < h; y++) {
            long at = (base + (long) y * w * B) * Float.BYTES;
            MemorySegment.copy(gs, JAVA_FLOAT, at, g, 0, g.length);
            MemorySegment.copy(zs, JAVA_FLOAT, at, z, 0, z.length);
            for (int x = 0; x < w; x++) {
                int o = x * B;
                for (int l = 0; l < B; l++) {
                    float zc = z[o + l] - p.mean()[c0 + l];
                    g[o + l] = g[o + l] * invStd[l] + centeredFactor[l] * zc + offset[l];
                }
            }
            MemorySegment.copy(g, 0, gs, JAVA_FLOAT, at, g.length);
        }
    }

    /**
     * darknet backward_maxpool_layer: each output gradient goes to its window's winning cell, adding
     * where windows overlap (in output order); the other cells get 0. Overwrites {@code dx}. With
     * {@code below} non-null, also multiplies by that layer's activation derivative (fusing its
     * first backward step).
     */
    public void maxpoolBackward(
            CpuTensor g, CpuTensor argmax, CpuTensor dx, MaxpoolSpec pool, CpuTensor below, Activation act) {
        Shape in = dx.shape();
        Shape out = g.shape();
        int inH = in.height(), inW = in.width(), outH = out.height(), outW = out.width();
        int size = pool.size(), stride = pool.stride(), off = pool.offset();
        MemorySegment gs = g.data();
        MemorySegment as = argmax.data();
        MemorySegment ds = dx.data();
        MemorySegment bs = below == null ? null : below.data();
        float slope = act == Activation.LEAKY ? 0.1f : act == Activation.RELU ? 0f : 1f;
        boolean fuse = below != null && act != Activation.LINEAR;
        int blocks = Layout.blocks(in.channels());
        // Windows that tile the input exactly once: every cell is written once, no zeroing or adding.
        boolean tiles = stride == size && off == 0 && outH * stride >= inH && outW * stride >= inW;
        if (!choice.vector()) {
            if (tiles) {
                workers.split(blocks * outH, (from, to) -> {
                    float[][] rows = new float[2 * size + 2][];
                    for (int r = 0; r < rows.length; r++) {
                        rows[r] = new float[r < 2 ? outW * B : inW * B];
                    }
                    for (int row = from; row < to; row++) {
                        routeTileRow(gs, as, ds, bs, fuse, slope, row, inH, inW, outH, outW, size, stride, rows);
                    }
                });
            } else {
                workers.split(blocks, (from, to) -> {
                    for (int cb = from; cb < to; cb++) {
                        routeBlock(gs, as, ds, bs, fuse, slope, cb, inH, inW, outH, outW, size, stride, off);
                    }
                });
            }
            return;
        }
        if (tiles) {
            workers.split(blocks * outH, (from, to) -> {
                for (int row = from; row < to; row++) {
                    int cb = row / outH;
                    int oy = row % outH;
                    long xBlock = (long) cb * inH * inW * B;
                    int kyTo = Math.min(size, inH - oy * stride);
                    for (int ox = 0; ox < outW; ox++) {
                        int kxTo = Math.min(size, inW - ox * stride);
                        long o = (((long) cb * outH + oy) * outW + ox) * B;
                        for (int v = 0; v < B; v += L) {
                            FloatVector gv = Vectors.load(gs, o + v);
                            FloatVector arg = Vectors.load(as, o + v);
                            for (int ky = 0; ky < kyTo; ky++) {
                                for (int kx = 0; kx < kxTo; kx++) {
                                    long i = xBlock + ((long) (oy * stride + ky) * inW + ox * stride + kx) * B + v;
                                    FloatVector d = ZERO.blend(gv, arg.compare(VectorOperators.EQ, ky * size + kx));
                                    if (fuse) {
                                        d = derivative(d, Vectors.load(bs, i), slope);
                                    }
                                    Vectors.store(d, ds, i);
                                }
                            }
                        }
                    }
                }
            });
            return;
        }
        // Overlapping or gapped windows: zero, then add in output order, one thread per channel block.
        workers.split(blocks, (from, to) -> {
            for (int cb = from; cb < to; cb++) {
                long xBlock = (long) cb * inH * inW * B;
                MemorySegment plane = ds.asSlice(xBlock * Float.BYTES, (long) inH * inW * B * Float.BYTES);
                plane.fill((byte) 0);
                for (int oy = 0; oy < outH; oy++) {
                    int y0 = off + oy * stride;
                    for (int ox = 0; ox < outW; ox++) {
                        int x0 = off + ox * stride;
                        long o = (((long) cb * outH + oy) * outW + ox) * B;
                        for (int v = 0; v < B; v += L) {
                            FloatVector gv = Vectors.load(gs, o + v);
                            FloatVector arg = Vectors.load(as, o + v);
                            for (int ky = Math.max(0, -y0); ky < Math.min(size, inH - y0); ky++) {
                                for (int kx = Math.max(0, -x0); kx < Math.min(size, inW - x0); kx++) {
                                    long i = xBlock + ((long) (y0 + ky) * inW + x0 + kx) * B + v;
                                    VectorMask<Float> won = arg.compare(VectorOperators.EQ, ky * size + kx);
                                    if (won.anyTrue()) {
                                        Vectors.store(Vectors.load(ds, i).add(ZERO.blend(gv, won)), ds, i);
                                    }
                                }
                            }
                        }
                    }
                }
                if (fuse) {
                    for (long i = xBlock; i < xBlock + (long) inH * inW * B; i += L) {
                        Vectors.store(derivative(Vectors.load(ds, i), Vectors.load(bs, i), slope), ds, i);
                    }
                }
            }
        });
    }

    /** {@link #maxpoolBackward}'s scalar form for tiling windows, output row {@code row} (block × oy). */
    private static void routeTileRow(
            MemorySegment gs,
            MemorySegment as,
            MemorySegment ds,
            MemorySegment bs,
            boolean fuse,
            float slope,
            int row,
            int inH,
            int inW,
            int outH,
            int outW,
            int size,
            int stride,
            float[][] rows) {
        int cb = row / outH;
        int oy = row % outH;
        long xBlock = (long) cb * inH * inW * B;
        int kyTo = Math.min(size, inH - oy * stride);
        float[] g = rows[0];
        float[] arg = rows[1];
        long out = ((long) cb * outH + oy) * outW * B * Float.BYTES;
        MemorySegment.copy(gs, JAVA_FLOAT, out, g, 0, outW * B);
        MemorySegment.copy(as, JAVA_FLOAT, out, arg, 0, outW * B);
        for (int ky = 0; ky < kyTo; ky++) {
            float[] d = rows[2 + ky];
            float[] below = rows[2 + size + ky];
            long at = (xBlock + (long) (oy * stride + ky) * inW * B) * Float.BYTES;
            if (fuse) {
                MemorySegment.copy(bs, JAVA_FLOAT, at, below, 0, inW * B);
            }
            for (int ox = 0; ox < outW; ox++) {
                int kxTo = Math.min(size, inW - ox * stride);
                int o = ox * B;
                for (int kx = 0; kx < kxTo; kx++) {
                    int i = (ox * stride + kx) * B;
                    float k = ky * size + kx;
                    for (int l = 0; l < B; l++) {
                        float v = arg[o + l] == k ? g[o + l] : 0f;
                        if (fuse && !(below[i + l] > 0f)) {
                            v = v * slope;
                        }
                        d[i + l] = v;
                    }
                }
            }
            MemorySegment.copy(d, 0, ds, JAVA_FLOAT, at, inW * B);
        }
    }

    /** {@link #maxpoolBackward}'s scalar form for overlapping or gapped windows, channel block {@code cb}. */
    private static void routeBlock(
            MemorySegment gs,
            MemorySegment as,
            MemorySegment ds,
            MemorySegment bs,
            boolean fuse,
            float slope,
            int cb,
            int inH,
            int inW,
            int outH,
            int outW,
            int size,
            int stride,
            int off) {
        long xBlock = (long) cb * inH * inW * B;
        ds.asSlice(xBlock * Float.BYTES, (long) inH * inW * B * Float.BYTES).fill((byte) 0);
        for (int oy = 0; oy < outH; oy++) {
            int y0 = off + oy * stride;
            for (int ox = 0; ox < outW; ox++) {
                int x0 = off + ox * stride;
                long o = (((long) cb * outH + oy) * outW + ox) * B;
                for (int ky = Math.max(0, -y0); ky < Math.min(size, inH - y0); ky++) {
                    for (int kx = Math.max(0, -x0); kx < Math.min(size, inW - x0); kx++) {
                        long i = xBlock + ((long) (y0 + ky) * inW + x0 + kx) * B;
                        float k = ky * size + kx;
                        for (int l = 0; l < B; l++) {
                            // The vector form adds 0 to the lanes that did not win, which changes nothing:
                            // a sum of a zero-filled cell and gradients is never −0.
                            if (as.getAtIndex(JAVA_FLOAT, o + l) == k) {
                                ds.setAtIndex(
                                        JAVA_FLOAT,
                                        i + l,
                                        ds.getAtIndex(JAVA_FLOAT, i + l) + gs.getAtIndex(JAVA_FLOAT, o + l));
                            }
                        }
                    }
                }
            }
        }
        if (fuse) {
            derivatives(ds, bs, ds, slope, xBlock, xBlock + (long) inH * inW * B);
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    /**
     * darknet calculate_loss for nightmare: {@code g = out > μ + thresh·σ ? out : 0}, with μ and the
     * population σ of the real (unpadded) elements, summed in double per row, rows in order.
     */
    public void thresholdGradient(CpuTensor out, CpuTensor grad, float thresh) {
        Shape s = out.shape();
        long n = s.size();
        MemorySegment os = out.data();
        MemorySegment gs = grad.data();
        double mean = (float) (rowSums(out, 0f, false) / n);
        float mu = (float) mean;
        float variance = (float) (rowSums(out, mu, true) / n);
        // Compared in double in darknet; x > t for a float x equals x > (the largest float ≤ t).
        double threshold = mu + thresh * Math.sqrt(variance);
        float t = (float) threshold;
        if (t > threshold) {
            t = Math.nextDown(t);
        }
        float limit = t;
        long total = out.storageFloats();
        long vectors = total / L;
        int chunks = (int) ((vectors + 1023) / 1024);
        if (!choice.vector()) {
            workers.split(chunks, (from, to) -> {
                long start = (long) from * 1024 * L;
                long end = Math.min(vectors, (long) to * 1024) * L;
                float[] v = new float[(int) Math.min(STAGE, Math.max(0, end - start))];
                for (long at = start; at < end; at += v.length) {
                    int count = (int) Math.min(v.length, end - at);
                    MemorySegment.copy(os, JAVA_FLOAT, at * Float.BYTES, v, 0, count);
                    for (int i = 0; i < count; i++) {
                        v[i] = v[i] > limit ? v[i] : 0f;
                    }
                    MemorySegment.copy(v, 0, gs, JAVA_FLOAT, at * Float.BYTES, count);
                }
            });
            return;
        }
        workers.split(chunks, (from, to) -> {
            long end = Math.min(vectors, (long) to * 1024) * L;
            for (long i = (long) from * 1024 * L; i < end; i += L) {
                FloatVector v = Vectors.load(os, i);
                Vectors.store(ZERO.blend(v, v.compare(VectorOperators.GT, limit)), gs, i);
            }
        });
    }

    /** Σ x (or Σ (x − mu)² with {@code squares}) over real channels, per (block, row) in double, rows in order. */
    private double rowSums(CpuTensor t, float mu, boolean squares) {
        Shape s = t.shape();
        int w = s.width();
        int blocks = Layout.blocks(s.channels());
        int rows = blocks * s.height();
        MemorySegment data = t.data();
        double[] partial = new double[rows];
        if (!choice.vector()) {
            workers.split(rows, (from, to) -> {
                float[] acc = new float[B];
                float[] values = new float[w * B];
                for (int row = from; row < to; row++) {
                    partial[row] = rowSum(data, row, s.height(), w, s.channels(), mu, squares, acc, values);
                }
            });
            double total = 0;
            for (double p : partial) {
                total += p;
            }
            return total;
        }
        FloatVector vmu = FloatVector.broadcast(Vectors.F, mu);
        workers.split(rows, (from, to) -> {
            for (int row = from; row < to; row++) {
                int cb = row / s.height();
                double sum = 0;
                for (int v = 0; v < B; v += L) {
                    int realLanes = Math.clamp(s.channels() - cb * B - v, 0, L);
                    if (realLanes == 0) {
                        continue;
                    }
                    VectorMask<Float> real = Vectors.F.indexInRange(0, realLanes);
                    long base = (long) row * w * B + v;
                    FloatVector acc = ZERO;
                    for (int x = 0; x < w; x++) {
                        FloatVector e = Vectors.load(data, base + (long) x * B);
                        if (squares) {
                            e = e.sub(vmu);
                            e = e.mul(e);
                        }
                        acc = acc.add(ZERO.blend(e, real));
                    }
                    sum += Vectors.sumLanes(acc);
                }
                partial[row] = sum;
            }
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        return total;
    }

    /**
     * {@link #rowSums}' scalar form for one row (block × y): each lane's float running sum (padding
     * lanes adding 0, as the vector form's masked lanes do), the lanes summed in double in order.
     */
    private static double rowSum(
            MemorySegment data,
            int row,
            int h,
            int w,
            int channels,
            float mu,
            boolean squares,
            float[] acc,
            float[] values) {
        int cb = row / h;
        int realLanes = Math.clamp(channels - cb * B, 0, B);
        java.util.Arrays.fill(acc, 0f);
        MemorySegment.copy(data, JAVA_FLOAT, (long) row * w * B * Float.BYTES, values, 0, w * B);
        for (int x = 0; x < w; x++) {
            int i = x * B;
            for (int l = 0; l < realLanes; l++) {
                float e = values[i + l];
                if (squares) {
                    e = e - mu;
                    e = e * e;
                }
                acc[l] += e;
            }
        }
        double sum = 0;
        for (float lane : acc) {
            sum += lane;
        }
        return sum;
    }

    /** Reconstruct mode: {@code grad = features − out} (any layouts; a blocked grad's padding lanes become 0). */
    public void difference(CpuTensor features, CpuTensor out, CpuTensor grad) {
        Shape s = out.shape();
        if (grad.layout() == Layout.BLOCKED && s.channels() % B != 0) {
            grad.data().fill((byte) 0); // its memory is shared with other working sizes: padding is not zero by itself
        }
        for (int c = 0; c < s.channels(); c++) {
            for (int y = 0; y < s.height(); y++) {
                for (int x = 0; x < s.width(); x++) {
                    float f = features.data()
                            .getAtIndex(JAVA_FLOAT, features.layout().index(s, c, y, x));
                    float o = out.data().getAtIndex(JAVA_FLOAT, out.layout().index(s, c, y, x));
                    grad.data().setAtIndex(JAVA_FLOAT, grad.layout().index(s, c, y, x), f - o);
                }
            }
        }
    }

    // ---- layout conversion ------------------------------------------------------------------

    /** Copies {@code src} into {@code dst} (same shape, any layouts); padding lanes of dst become 0. */
    public void convert(CpuTensor src, CpuTensor dst) {
        if (!src.shape().equals(dst.shape())) {
            throw new IllegalArgumentException("shapes differ: " + src.shape() + " vs " + dst.shape());
        }
        if (src.layout() == dst.layout()) {
            MemorySegment.copy(src.data(), 0, dst.data(), 0, src.storageFloats() * Float.BYTES);
            return;
        }
        Shape s = src.shape();
        int h = s.height(), w = s.width(), ch = s.channels();
        boolean toBlocked = dst.layout() == Layout.BLOCKED;
        MemorySegment blocked = toBlocked ? dst.data() : src.data();
        MemorySegment planar = toBlocked ? src.data() : dst.data();
        workers.split(Layout.blocks(ch) * h, (from, to) -> {
            // Each row staged in arrays; a blocked row's padding lanes are written as 0.
            float[] pixels = new float[w * B];
            float[] channel = new float[w];
            for (int row = from; row < to; row++) {
                int cb = row / h;
                int y = row % h;
                long bi = ((long) cb * h + y) * w * B * Float.BYTES;
                int real = Math.min(B, ch - cb * B);
                if (!toBlocked) {
                    MemorySegment.copy(blocked, JAVA_FLOAT, bi, pixels, 0, pixels.length);
                } else if (real < B) {
                    for (int x = 0; x < w; x++) {
                        java.util.Arrays.fill(pixels, x * B + real, (x + 1) * B, 0f);
                    }
                }
                for (int l = 0; l < real; l++) {
                    long pi = (((long) (cb * B + l)) * h + y) * w * Float.BYTES;
                    if (toBlocked) {
                        MemorySegment.copy(planar, JAVA_FLOAT, pi, channel, 0, w);
                        for (int x = 0; x < w; x++) {
                            pixels[x * B + l] = channel[x];
                        }
                    } else {
                        for (int x = 0; x < w; x++) {
                            channel[x] = pixels[x * B + l];
                        }
                        MemorySegment.copy(channel, 0, planar, JAVA_FLOAT, pi, w);
                    }
                }
                if (toBlocked) {
                    MemorySegment.copy(pixels, 0, blocked, JAVA_FLOAT, bi, pixels.length);
                }
            }
        });
    }
}
