package dev.nightmare.engine.cuda;

import static dev.nightmare.engine.cuda.KernelSignature.Param.F32;
import static dev.nightmare.engine.cuda.KernelSignature.Param.F64;
import static dev.nightmare.engine.cuda.KernelSignature.Param.PTR;
import static dev.nightmare.engine.cuda.KernelSignature.Param.S32;

import dev.nightmare.engine.model.Shape;

/**
 * The kernels of image.cu (darknet's resize, crop, flip and rotate on planar images), one typed
 * launcher each; see {@link LayerLaunches} for how launchers are written.
 */
final class ImageLaunches {
    private final Kernel resizeHorizontal;
    private final Kernel resizeVertical;
    private final Kernel rotate;

    ImageLaunches(KernelModule image) {
        resizeHorizontal =
                image.kernel("resize_horizontal", PTR, PTR, S32, S32, S32, S32, S32, S32, S32, S32, S32, F32);
        resizeVertical = image.kernel("resize_vertical", PTR, PTR, S32, S32, S32, S32, F32, S32, S32, S32);
        rotate = image.kernel("rotate", PTR, PTR, S32, S32, S32, F64, F64);
    }

    /**
     * resize_image's horizontal pass into {@code part} (dstW × srcH per channel), reading the
     * physical physW × physH image as an srcW × srcH view cropped at (offX, offY), mirrored when
     * {@code flip}.
     */
    void resizeHorizontal(
            DeviceBuffer src,
            DeviceBuffer part,
            int channels,
            int physW,
            int physH,
            int srcW,
            int srcH,
            int offX,
            int offY,
            boolean flip,
            int dstW,
            float wScale) {
        resizeHorizontal
                .args()
                .ptr(src)
                .ptr(part)
                .s32(channels)
                .s32(physW)
                .s32(physH)
                .s32(srcW)
                .s32(srcH)
                .s32(offX)
                .s32(offY)
                .flag(flip)
                .s32(dstW)
                .f32(wScale)
                .elementwise((long) channels * srcH * dstW);
    }

    /**
     * resize_image's vertical pass from {@code part} into dst (dstW × dstH), written mirrored when
     * {@code flip} and shifted by (offX, offY) with edge replication.
     */
    void resizeVertical(
            DeviceBuffer part,
            DeviceBuffer dst,
            int channels,
            int srcH,
            int dstW,
            int dstH,
            float hScale,
            boolean flip,
            int offX,
            int offY) {
        resizeVertical
                .args()
                .ptr(part)
                .ptr(dst)
                .s32(channels)
                .s32(srcH)
                .s32(dstW)
                .s32(dstH)
                .f32(hScale)
                .flag(flip)
                .s32(offX)
                .s32(offY)
                .elementwise((long) channels * dstH * dstW);
    }

    /** darknet rotate_image of a {@code shape} image into dst (not in place). */
    void rotate(DeviceBuffer src, DeviceBuffer dst, Shape shape, double cosine, double sine) {
        rotate.args()
                .ptr(src)
                .ptr(dst)
                .s32(shape.channels())
                .s32(shape.width())
                .s32(shape.height())
                .f64(cosine)
                .f64(sine)
                .elementwise(shape.size());
    }
}
