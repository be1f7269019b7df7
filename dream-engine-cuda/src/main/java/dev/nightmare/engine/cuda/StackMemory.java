package dev.nightmare.engine.cuda;

import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.util.List;
import java.util.Locale;

/**
 * The device memory one {@link CudaStack} needs, computed before anything is allocated, and the
 * message that names the largest input that would fit when it does not.
 *
 * <p>Per stack: the working image and its gradient (3·w·h floats each); per layer its activated
 * output, plus the pre-batch-norm output for batch-normalised convolutions and an int argmax per
 * maxpool output; the target's output gradient; two ping-pong delta buffers of the largest layer.
 */
final class StackMemory {
    private StackMemory() {}

    static final int FLOAT_BYTES = 4;

    /** Bytes of the stack's own buffers (not the session's shared convolution workspace). */
    static long bytes(NetworkSpec spec, int targetLayer, int width, int height) {
        List<Shape> shapes = spec.outputShapes(width, height, targetLayer);
        long image = 3L * width * height;
        long floats = 2 * image;
        long largest = image;
        for (int i = 0; i <= targetLayer; i++) {
            long size = shapes.get(i).size();
            LayerSpec layer = spec.layer(i);
            floats += size;
            if (layer instanceof ConvolutionalSpec conv && conv.batchNormalize()) {
                floats += size;
            } else if (layer instanceof MaxpoolSpec) {
                floats += size; // int32 argmax, the size of a float
            }
            largest = Math.max(largest, size);
        }
        floats += shapes.get(targetLayer).size();
        floats += 2 * largest;
        return floats * FLOAT_BYTES;
    }

    /**
     * Why a stack does not fit, naming the largest input of the same aspect ratio that would
     * (memory grows with the pixel count).
     *
     * @param neededBytes the stack's buffers plus any workspace growth
     * @param availableBytes free device memory less the safety margin
     */
    static String doesNotFit(
            int targetLayer, int width, int height, long neededBytes, long availableBytes, String device) {
        double fraction = Math.max(0, (double) availableBytes / neededBytes);
        double side = Math.sqrt(fraction);
        int fitWidth = (int) Math.floor(width * side);
        int fitHeight = (int) Math.floor(height * side);
        String fits = fitWidth >= 1 && fitHeight >= 1
                ? "an input of about " + fitWidth + "×" + fitHeight + " would fit"
                : "nothing of that aspect ratio fits";
        return String.format(
                Locale.ROOT,
                "not enough GPU memory: layer %d at %d×%d needs %s, %s free on %s; %s (or run it on a CPU backend)",
                targetLayer,
                width,
                height,
                size(neededBytes),
                size(Math.max(0, availableBytes)),
                device,
                fits);
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
