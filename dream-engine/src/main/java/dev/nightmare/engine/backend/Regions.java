package dev.nightmare.engine.backend;

/** Copies windows between planar (channels × height × width) host arrays. */
public final class Regions {
    private Regions() {}

    /**
     * Copies the {@code width × height} window at ({@code srcX}, {@code srcY}) of {@code src} (a
     * {@code srcW × srcH} image) to ({@code dstX}, {@code dstY}) of {@code dst}, every channel.
     */
    public static void copy(
            float[] src,
            int srcW,
            int srcH,
            int srcX,
            int srcY,
            float[] dst,
            int dstW,
            int dstH,
            int dstX,
            int dstY,
            int width,
            int height,
            int channels) {
        if (srcX < 0
                || srcY < 0
                || srcX + width > srcW
                || srcY + height > srcH
                || dstX < 0
                || dstY < 0
                || dstX + width > dstW
                || dstY + height > dstH) {
            throw new IllegalArgumentException("window " + width + "×" + height + " at (" + srcX + ", " + srcY + ") of "
                    + srcW + "×" + srcH + " to (" + dstX + ", " + dstY + ") of " + dstW + "×" + dstH);
        }
        for (int k = 0; k < channels; k++) {
            for (int r = 0; r < height; r++) {
                System.arraycopy(
                        src, ((k * srcH) + srcY + r) * srcW + srcX, dst, ((k * dstH) + dstY + r) * dstW + dstX, width);
            }
        }
    }
}
