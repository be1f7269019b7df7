package dev.nightmare.engine.cuda;

import static dev.nightmare.engine.cuda.KernelSignature.Param.F32;
import static dev.nightmare.engine.cuda.KernelSignature.Param.PTR;
import static dev.nightmare.engine.cuda.KernelSignature.Param.S32;
import static dev.nightmare.engine.cuda.KernelSignature.Param.S64;

/**
 * The kernels of loss.cu (the threshold loss, the grey pull, normalisation, the step, reconstruct
 * mode's momentum step, and the deterministic reductions behind them), one typed launcher each; see
 * {@link LayerLaunches} for how launchers are written. Results stay in device scalars.
 */
final class LossLaunches {
    /** sum_partials' modes (SUM_* in loss.cu). */
    static final int SUM_PLAIN = 0;

    static final int SUM_CENTERED = 1;
    static final int SUM_SQUARES = 2;

    private final Kernel sumPartials;
    private final Kernel finishMean;
    private final Kernel finishVariance;
    private final Kernel finishMagnitude;
    private final Kernel thresholdGradient;
    private final Kernel greyPull;
    private final Kernel ascendApply;
    private final Kernel momentumStep;
    private final Kernel difference;

    LossLaunches(KernelModule loss) {
        sumPartials = loss.kernel("sum_partials", PTR, S64, S32, PTR, PTR);
        finishMean = loss.kernel("finish_mean", PTR, S64, PTR);
        finishVariance = loss.kernel("finish_variance", PTR, S64, PTR, S32, PTR);
        finishMagnitude = loss.kernel("finish_magnitude", PTR, PTR);
        thresholdGradient = loss.kernel("threshold_gradient", PTR, PTR, S64, PTR, F32);
        greyPull = loss.kernel("grey_pull", PTR, PTR, S64);
        ascendApply = loss.kernel("ascend_apply", PTR, PTR, S64, F32, S32, PTR);
        momentumStep = loss.kernel("momentum_step", PTR, PTR, PTR, S64, F32, F32);
        difference = loss.kernel("difference", PTR, PTR, PTR, S64);
    }

    /**
     * Pass 1 of a reduction over n floats of x, {@link Kernels#REDUCE_BLOCKS} blocks: each block's
     * partial sum (double) of x, (x − moments[0])² or x², by {@code mode}.
     */
    void sumPartials(DeviceBuffer x, long n, int mode, DeviceBuffer moments, DeviceBuffer partials) {
        sumPartials.args().ptr(x).s64(n).s32(mode).ptr(moments).ptr(partials).launch(Kernels.REDUCE_BLOCKS);
    }

    /** moments[0] = Σpartials / n (one block). */
    void finishMean(DeviceBuffer partials, long n, DeviceBuffer moments) {
        finishMean.args().ptr(partials).s64(n).ptr(moments).launch(1);
    }

    /** moments[1] = Σpartials / n; counts a zero std into {@code skipped} when {@code countZero}. */
    void finishVariance(DeviceBuffer partials, long n, DeviceBuffer moments, boolean countZero, DeviceBuffer skipped) {
        finishVariance
                .args()
                .ptr(partials)
                .s64(n)
                .ptr(moments)
                .flag(countZero)
                .ptr(skipped)
                .launch(1);
    }

    /** magnitude = √Σpartials (double, one block). */
    void finishMagnitude(DeviceBuffer partials, DeviceBuffer magnitude) {
        finishMagnitude.args().ptr(partials).ptr(magnitude).launch(1);
    }

    /** grad = out where out > mean + thresh·std (from moments), else 0. */
    void thresholdGradient(DeviceBuffer out, DeviceBuffer grad, long n, DeviceBuffer moments, float thresh) {
        thresholdGradient
                .args()
                .ptr(out)
                .ptr(grad)
                .s64(n)
                .ptr(moments)
                .f32(thresh)
                .elementwise(n);
    }

    /** d += 0.1·(0.5 − im). */
    void greyPull(DeviceBuffer d, DeviceBuffer im, long n) {
        greyPull.args().ptr(d).ptr(im).s64(n).elementwise(n);
    }

    /** im = clamp(im + rate·d), d first normalised by moments when {@code normalize}. */
    void ascendApply(DeviceBuffer im, DeviceBuffer d, long n, float rate, boolean normalize, DeviceBuffer moments) {
        ascendApply
                .args()
                .ptr(im)
                .ptr(d)
                .s64(n)
                .f32(rate)
                .flag(normalize)
                .ptr(moments)
                .elementwise(n);
    }

    /** Reconstruct mode's step: u += d, r = clamp(r + rate·u), u *= momentum. */
    void momentumStep(DeviceBuffer r, DeviceBuffer u, DeviceBuffer d, long n, float rate, float momentum) {
        momentumStep.args().ptr(r).ptr(u).ptr(d).s64(n).f32(rate).f32(momentum).elementwise(n);
    }

    /** grad = features − out. */
    void difference(DeviceBuffer features, DeviceBuffer out, DeviceBuffer grad, long n) {
        difference.args().ptr(features).ptr(out).ptr(grad).s64(n).elementwise(n);
    }
}
