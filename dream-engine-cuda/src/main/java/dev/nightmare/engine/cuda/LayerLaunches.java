package dev.nightmare.engine.cuda;

import static dev.nightmare.engine.cuda.KernelSignature.Param.F32;
import static dev.nightmare.engine.cuda.KernelSignature.Param.PTR;
import static dev.nightmare.engine.cuda.KernelSignature.Param.S32;
import static dev.nightmare.engine.cuda.KernelSignature.Param.S64;

import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SoftmaxSpec;

/**
 * The kernels of layers.cu, one typed launcher each: it states the kernel's parameters once (checked
 * against the PTX by {@code KernelSignaturesTest}), fills them from buffers, shapes and specs in the
 * kernel's order, and sizes the grid as the kernel's loop does. Activations
 * are passed as {@link Activation#ordinal()} (ACT_* in common.cuh).
 */
final class LayerLaunches {
    /** input_gradient_small's limits (SMALL_INPUT_CHANNELS, SMALL_INPUT_WEIGHTS in layers.cu). */
    static final int SMALL_INPUT_CHANNELS = 4;

    static final int SMALL_INPUT_WEIGHTS = 4096;

    private final Kernel convolutionDarknet;
    private final Kernel biasActivate;
    private final Kernel biasActivate4;
    private final Kernel batchnormActivate;
    private final Kernel activationBackward;
    private final Kernel activationBackward4;
    private final Kernel batchnormBackwardExact;
    private final Kernel batchnormBackwardSums;
    private final Kernel batchnormBackwardApply;
    private final Kernel maxpoolForward;
    private final Kernel maxpoolBackward;
    private final Kernel maxpoolBackwardTiles;
    private final Kernel avgpoolForward;
    private final Kernel avgpoolBackward;
    private final Kernel softmaxForward;
    private final Kernel inputGradientSmall;
    private final Kernel inputGradientRgb3x3;

    LayerLaunches(KernelModule layers) {
        convolutionDarknet =
                layers.kernel("convolution_darknet", PTR, PTR, PTR, S32, S32, S32, S32, S32, S32, S32, S32, S32);
        biasActivate = layers.kernel("bias_activate", PTR, PTR, PTR, S32, S64, S32);
        biasActivate4 = layers.kernel("bias_activate4", PTR, PTR, PTR, S64, S64, S32);
        batchnormActivate = layers.kernel("batchnorm_activate", PTR, PTR, PTR, PTR, PTR, PTR, S32, S64, S32);
        activationBackward = layers.kernel("activation_backward", PTR, PTR, S64, S32);
        activationBackward4 = layers.kernel("activation_backward4", PTR, PTR, S64, S32);
        batchnormBackwardExact = layers.kernel("batchnorm_backward_exact", PTR, PTR, PTR, S32, S64, S32);
        batchnormBackwardSums = layers.kernel("batchnorm_backward_sums", PTR, PTR, PTR, PTR, PTR, S64, S32, PTR);
        batchnormBackwardApply = layers.kernel("batchnorm_backward_apply", PTR, PTR, PTR, PTR, PTR, S32, S64);
        maxpoolForward = layers.kernel("maxpool_forward", PTR, PTR, PTR, S32, S32, S32, S32, S32, S32, S32, S32);
        maxpoolBackward = layers.kernel("maxpool_backward", PTR, PTR, PTR, S32, S32, S32, S32, S32, S32, S32, S32);
        maxpoolBackwardTiles =
                layers.kernel("maxpool_backward_tiles", PTR, PTR, PTR, PTR, S32, S32, S32, S32, S32, S32, S32);
        avgpoolForward = layers.kernel("avgpool_forward", PTR, PTR, S32, S64);
        avgpoolBackward = layers.kernel("avgpool_backward", PTR, PTR, S32, S64);
        softmaxForward = layers.kernel("softmax_forward", PTR, PTR, S32, S32, F32);
        inputGradientSmall =
                layers.kernel("input_gradient_small", PTR, PTR, PTR, S32, S32, S32, S32, S32, S32, S32, S32);
        inputGradientRgb3x3 = layers.kernel("input_gradient_rgb3x3", PTR, PTR, PTR, S32, S32, S32, S32, S32, S32);
    }

    private static long plane(Shape s) {
        return (long) s.height() * s.width();
    }

    // ---- forward ----------------------------------------------------------------------------------

    /**
     * z = x ⊛ w without bias in darknet's summation order; w is {@link LayerParameters#packDarknet}'s
     * layout. One thread per output pixel and group of {@link LayerParameters#DARKNET_GROUP} filters.
     */
    void convolutionDarknet(
            DeviceBuffer x, DeviceBuffer w, DeviceBuffer z, Shape in, Shape out, ConvolutionalSpec conv) {
        long groups = (conv.filters() + LayerParameters.DARKNET_GROUP - 1) / LayerParameters.DARKNET_GROUP;
        convolution(convolutionDarknet.args().ptr(x).ptr(w).ptr(z), in, out, conv)
                .s32(conv.stride())
                .s32(conv.padding())
                .elementwise(groups * out.height() * out.width());
    }

    /** convolution_darknet's and input_gradient_small's geometry: channels, inH, inW, filters, outH, outW, size. */
    private static Kernel.Args convolution(Kernel.Args args, Shape in, Shape out, ConvolutionalSpec conv) {
        return args.s32(in.channels())
                .s32(in.height())
                .s32(in.width())
                .s32(conv.filters())
                .s32(out.height())
                .s32(out.width())
                .s32(conv.size());
    }

    /** a = act(z + bias[c]) over a {@code shape} tensor. */
    void biasActivate(DeviceBuffer z, DeviceBuffer a, DeviceBuffer bias, Shape shape, Activation act) {
        biasActivate
                .args()
                .ptr(z)
                .ptr(a)
                .ptr(bias)
                .s32(shape.channels())
                .s64(plane(shape))
                .s32(act.ordinal())
                .elementwise(shape.size());
    }

    /**
     * {@link #biasActivate} four floats at a time: the plane a multiple of 4, the buffers 16-byte
     * aligned (cuMemAlloc'd buffers are).
     */
    void biasActivate4(DeviceBuffer z, DeviceBuffer a, DeviceBuffer bias, Shape shape, Activation act) {
        long n4 = shape.size() / 4;
        biasActivate4
                .args()
                .ptr(z)
                .ptr(a)
                .ptr(bias)
                .s64(n4)
                .s64(plane(shape))
                .s32(act.ordinal())
                .elementwise(n4);
    }

    /**
     * a = act((z − mean)/denominator·scale + bias), darknet's inference batch norm ({@link
     * LayerParameters}' per-channel constants).
     */
    void batchnormActivate(
            DeviceBuffer z,
            DeviceBuffer a,
            DeviceBuffer mean,
            DeviceBuffer denominator,
            DeviceBuffer scale,
            DeviceBuffer bias,
            Shape shape,
            Activation act) {
        batchnormActivate
                .args()
                .ptr(z)
                .ptr(a)
                .ptr(mean)
                .ptr(denominator)
                .ptr(scale)
                .ptr(bias)
                .s32(shape.channels())
                .s64(plane(shape))
                .s32(act.ordinal())
                .elementwise(shape.size());
    }

    // ---- backward ---------------------------------------------------------------------------------

    /** delta *= act'(a) over n elements. */
    void activationBackward(DeviceBuffer delta, DeviceBuffer a, long n, Activation act) {
        activationBackward.args().ptr(delta).ptr(a).s64(n).s32(act.ordinal()).elementwise(n);
    }

    /** {@link #activationBackward} four floats at a time (n a multiple of 4, 16-byte aligned buffers). */
    void activationBackward4(DeviceBuffer delta, DeviceBuffer a, long n, Activation act) {
        long n4 = n / 4;
        activationBackward4.args().ptr(delta).ptr(a).s64(n4).s32(act.ordinal()).elementwise(n4);
    }

    /** {@code BatchNormGradient.EXACT}: delta = delta·act'(a)·factor[c]. */
    void batchnormBackwardExact(DeviceBuffer delta, DeviceBuffer a, DeviceBuffer factor, Shape shape, Activation act) {
        batchnormBackwardExact
                .args()
                .ptr(delta)
                .ptr(a)
                .ptr(factor)
                .s32(shape.channels())
                .s64(plane(shape))
                .s32(act.ordinal())
                .elementwise(shape.size());
    }

    /**
     * {@code BatchNormGradient.DARKNET}, pass 1, one block per channel: delta = delta·act'(a)·s, and
     * each channel's (Σdelta, Σdelta·(z − m)) into {@code sums} (double).
     */
    void batchnormBackwardSums(
            DeviceBuffer delta,
            DeviceBuffer a,
            DeviceBuffer z,
            DeviceBuffer scale,
            DeviceBuffer mean,
            Shape shape,
            Activation act,
            DeviceBuffer sums) {
        batchnormBackwardSums
                .args()
                .ptr(delta)
                .ptr(a)
                .ptr(z)
                .ptr(scale)
                .ptr(mean)
                .s64(plane(shape))
                .s32(act.ordinal())
                .ptr(sums)
                .launch(shape.channels());
    }

    /** {@code BatchNormGradient.DARKNET}, pass 2: darknet's batch-norm backward from pass 1's sums. */
    void batchnormBackwardApply(
            DeviceBuffer delta,
            DeviceBuffer z,
            DeviceBuffer mean,
            DeviceBuffer variance,
            DeviceBuffer sums,
            Shape shape) {
        batchnormBackwardApply
                .args()
                .ptr(delta)
                .ptr(z)
                .ptr(mean)
                .ptr(variance)
                .ptr(sums)
                .s32(shape.channels())
                .s64(plane(shape))
                .elementwise(shape.size());
    }

    // ---- maxpool ----------------------------------------------------------------------------------

    /** darknet's maxpool forward; argmax gets each winner's position in its window (ky·size + kx). */
    void maxpoolForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, Shape in, Shape out, MaxpoolSpec pool) {
        window(maxpoolForward.args().ptr(x).ptr(y).ptr(argmax), in, out, pool).elementwise(out.size());
    }

    /** darknet's maxpool backward as a gather, one thread per input cell; overwrites dx. */
    void maxpoolBackward(DeviceBuffer g, DeviceBuffer argmax, DeviceBuffer dx, Shape in, Shape out, MaxpoolSpec pool) {
        window(maxpoolBackward.args().ptr(g).ptr(argmax).ptr(dx), in, out, pool).elementwise(in.size());
    }

    /** Both maxpool kernels' geometry: channels, inH, inW, outH, outW, size, stride, offset. */
    private static Kernel.Args window(Kernel.Args args, Shape in, Shape out, MaxpoolSpec pool) {
        return args.s32(in.channels())
                .s32(in.height())
                .s32(in.width())
                .s32(out.height())
                .s32(out.width())
                .s32(pool.size())
                .s32(pool.stride())
                .s32(pool.offset());
    }

    /**
     * Whether {@link #maxpoolBackwardTiles} applies: windows that do not overlap, start at the
     * input's corner and cover it, and 32-bit indices suffice.
     */
    static boolean maxpoolTilesApply(MaxpoolSpec pool, Shape in, Shape out) {
        return pool.stride() == pool.size()
                && pool.offset() == 0
                && (long) out.height() * pool.stride() >= in.height()
                && (long) out.width() * pool.stride() >= in.width()
                && in.size() < Integer.MAX_VALUE;
    }

    /**
     * {@link #maxpoolBackward} for tiling windows ({@link #maxpoolTilesApply}), one thread per
     * output; with {@code belowActivation} ≥ 0 it also multiplies dx by that activation's derivative
     * at {@code below} (the layer below's output), bit-identical to {@link #activationBackward}.
     *
     * @param belowActivation an {@link Activation#ordinal()}, or −1 for none ({@code below} is then unread)
     */
    void maxpoolBackwardTiles(
            DeviceBuffer g,
            DeviceBuffer argmax,
            DeviceBuffer dx,
            DeviceBuffer below,
            int belowActivation,
            Shape in,
            Shape out,
            MaxpoolSpec pool) {
        maxpoolBackwardTiles
                .args()
                .ptr(g)
                .ptr(argmax)
                .ptr(dx)
                .ptr(below)
                .s32(belowActivation)
                .s32(in.channels())
                .s32(in.height())
                .s32(in.width())
                .s32(out.height())
                .s32(out.width())
                .s32(pool.size())
                .elementwise(out.size());
    }

    // ---- avgpool and softmax ----------------------------------------------------------------------

    /** darknet's avgpool forward: y[c] = the mean of x's channel c, one thread per channel. */
    void avgpoolForward(DeviceBuffer x, DeviceBuffer y, Shape in) {
        avgpoolForward.args().ptr(x).ptr(y).s32(in.channels()).s64(plane(in)).elementwise(in.channels());
    }

    /** darknet's avgpool backward: dx[c][i] = g[c] / (h·w); overwrites dx. */
    void avgpoolBackward(DeviceBuffer g, DeviceBuffer dx, Shape in) {
        avgpoolBackward.args().ptr(g).ptr(dx).s32(in.channels()).s64(plane(in)).elementwise(in.size());
    }

    /** darknet's softmax over each of the spec's groups of {@code shape}'s elements, one thread per group. */
    void softmaxForward(DeviceBuffer x, DeviceBuffer y, Shape shape, SoftmaxSpec softmax) {
        int n = Math.toIntExact(shape.size() / softmax.groups());
        softmaxForward
                .args()
                .ptr(x)
                .ptr(y)
                .s32(softmax.groups())
                .s32(n)
                .f32(softmax.temperature())
                .elementwise(softmax.groups());
    }

    // ---- the image gradient -----------------------------------------------------------------------

    /** Whether {@link #inputGradientSmall} can compute this convolution's backward-data. */
    static boolean smallInputGradientApplies(ConvolutionalSpec conv, int channels) {
        return conv.stride() == 1
                && channels <= SMALL_INPUT_CHANNELS
                && (long) conv.filters() * channels * conv.size() * conv.size() <= SMALL_INPUT_WEIGHTS;
    }

    /** Whether {@link #inputGradientRgb3x3} applies where {@link #inputGradientSmall} does. */
    static boolean rgb3x3InputGradientApplies(ConvolutionalSpec conv, Shape in) {
        return in.channels() == 3 && conv.size() == 3 && in.width() % 4 == 0;
    }

    /**
     * Backward-data of a stride-1 convolution with few input channels ({@link
     * #smallInputGradientApplies}), one thread per input pixel: dx from dy and the kernels w.
     */
    void inputGradientSmall(
            DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, Shape in, Shape out, ConvolutionalSpec conv) {
        convolution(inputGradientSmall.args().ptr(dy).ptr(w).ptr(dx), in, out, conv)
                .s32(conv.padding())
                .elementwise(plane(in));
    }

    /** {@link #inputGradientSmall} for RGB 3×3 ({@link #rgb3x3InputGradientApplies}), one thread per 4 pixels. */
    void inputGradientRgb3x3(
            DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, Shape in, Shape out, ConvolutionalSpec conv) {
        inputGradientRgb3x3
                .args()
                .ptr(dy)
                .ptr(w)
                .ptr(dx)
                .s32(in.height())
                .s32(in.width())
                .s32(conv.filters())
                .s32(out.height())
                .s32(out.width())
                .s32(conv.padding())
                .elementwise(plane(in) / 4);
    }
}
