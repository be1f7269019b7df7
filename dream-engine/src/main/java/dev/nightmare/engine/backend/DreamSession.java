package dev.nightmare.engine.backend;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.util.Optional;

/**
 * One model on one backend: owns every per-iteration step on image- and activation-sized data, so
 * that a GPU backend keeps a whole iteration on the device and a CPU backend keeps its own tensor
 * layout. The engine keeps the loop, the random draws, the options and file I/O.
 *
 * <p>Buffer rules: every step <em>overwrites</em> its output tensor (no step accumulates into a
 * caller's buffer), and no step allocates tensors visible to the caller. Images are 3-channel,
 * planar CHW on the host. All arithmetic is float32; reductions are ordered so that identical
 * inputs give bit-identical outputs on the same machine. Not thread-safe: one run at a time.
 */
public interface DreamSession extends AutoCloseable {
    Model model();

    /** The backend this session runs on. */
    Backend backend();

    /**
     * The choices this session was opened with. The default, darknet's batch-norm gradient, is the
     * conservative answer for a session that does not say (tiling refuses it).
     */
    default SessionOptions options() {
        return SessionOptions.DEFAULT;
    }

    // ---- tensors -------------------------------------------------------------------------------

    /** A zero-filled tensor; the caller closes it. */
    Tensor allocate(Shape shape);

    /**
     * Host → device: overwrites {@code tensor} with the first shape-size floats of {@code chw}
     * (planar; the array may be longer, so callers reuse one across sizes).
     *
     * @throws IllegalArgumentException if {@code chw} is shorter than the tensor
     */
    void write(Tensor tensor, float[] chw);

    /**
     * Device → host: fills the first shape-size floats of {@code chw} (planar; the rest is left as
     * it is) from {@code tensor}. May synchronise the device.
     *
     * @throws IllegalArgumentException if {@code chw} is shorter than the tensor
     */
    void read(Tensor tensor, float[] chw);

    /** Overwrites {@code dst} with {@code src} (same shape). */
    void copy(Tensor src, Tensor dst);

    /**
     * Device → host for a window: fills the start of {@code chw} (planar, channels × height ×
     * width; the array may be longer, so callers reuse one) with the window at ({@code x}, {@code
     * y}) of a planar tensor. For tiles of images too large to copy whole; the default copies the
     * whole tensor through the host (backends override it).
     */
    default void readRegion(Tensor tensor, int x, int y, int width, int height, float[] chw) {
        Shape s = tensor.shape();
        float[] whole = new float[Math.toIntExact(s.size())];
        read(tensor, whole);
        Regions.copy(whole, s.width(), s.height(), x, y, chw, width, height, 0, 0, width, height, s.channels());
    }

    /** Host → device for a window: the inverse of {@link #readRegion}; the rest of the tensor is kept. */
    default void writeRegion(Tensor tensor, int x, int y, int width, int height, float[] chw) {
        Shape s = tensor.shape();
        float[] whole = new float[Math.toIntExact(s.size())];
        read(tensor, whole);
        Regions.copy(chw, width, height, 0, 0, whole, s.width(), s.height(), x, y, width, height, s.channels());
        write(tensor, whole);
    }

    default Tensor upload(Image image) {
        Tensor t = allocate(new Shape(image.channels(), image.height(), image.width()));
        write(t, image.data());
        return t;
    }

    default Image download(Tensor tensor) {
        Shape s = tensor.shape();
        Image image = Image.blank(s.width(), s.height(), s.channels());
        read(tensor, image.data());
        return image;
    }

    // ---- per-shape state -----------------------------------------------------------------------

    /**
     * The forward/backward state for layers {@code 0..targetLayer} at an input of {@code width ×
     * height}, prepared on first use and cached (a backend with a memory budget drops the least
     * recently used sizes' preparations and makes them again when asked). Stacks may share their
     * buffers with stacks of other sizes: what a stack's tensors hold is valid until a step runs on
     * a stack of another size.
     *
     * @throws dev.nightmare.engine.model.ShapeException if the network cannot run at that size
     */
    LayerStack stack(int targetLayer, int width, int height);

    // ---- the steps of one iteration (darknet optimize_picture) --------------------------------

    /**
     * Step 3: {@code stack.input() = flip?(resize(crop(image, dx, dy, W, H), w, h))} where W×H is
     * the image's size and w×h the stack's; crop replicates edges, resize is darknet's bilinear.
     */
    void jitter(Tensor image, Jitter jitter, LayerStack stack);

    /** Step 4: forward {@code stack.input()} through layers 0..L into {@code stack.output()}. */
    void forward(LayerStack stack);

    /**
     * Step 5: {@code outputGradient[i] = out[i] if out[i] > μ + thresh·σ else 0}, with μ the mean
     * and σ the population standard deviation of all of {@code stack.output()}.
     */
    void thresholdGradient(LayerStack stack, float thresh);

    /**
     * Step 6: back-propagates {@code stack.outputGradient()} to {@code stack.inputGradient()}
     * (overwritten), through each layer's activation derivative (taken from its output), batch norm
     * (per the session's {@link BatchNormGradient}), convolution and maxpool (to the first argmax).
     * No weight gradients. {@code outputGradient} is left unchanged.
     */
    void backward(LayerStack stack);

    /**
     * Bytes a {@link #saveBackwardState saved backward state} of layers {@code 0..targetLayer} at
     * {@code width × height} would hold; 0 when this backend cannot save one for them (a tiled
     * iteration then forwards each tile again), the default.
     */
    default long backwardStateBytes(int targetLayer, int width, int height) {
        return 0;
    }

    /**
     * Saves what {@link #backward} reads of {@code stack}'s last {@link #forward}, and its output:
     * after {@link #restoreBackwardState}, reading the output and back-propagating give the same
     * bits as right after that forward, whatever ran on the session in between. Only where {@link
     * #backwardStateBytes} is positive; empty when the backend's memory has no room for it now (the
     * tile is then forwarded again).
     */
    default Optional<BackwardState> saveBackwardState(LayerStack stack) {
        throw new UnsupportedOperationException(backend().name() + " keeps no backward state");
    }

    /** Puts {@code state}, saved from a stack of the same layers and size, back into {@code stack}. */
    default void restoreBackwardState(LayerStack stack, BackwardState state) {
        throw new UnsupportedOperationException(backend().name() + " keeps no backward state");
    }

    /**
     * Step 7: {@code imageGradient = crop(resize(flip?(stack.inputGradient()), W, H), −dx, −dy)};
     * may mirror {@code stack.inputGradient()} in place.
     */
    void unjitter(LayerStack stack, Jitter jitter, Tensor imageGradient);

    /**
     * Steps 8–10: {@code D += 0.1·(0.5 − I)}; if normalise, {@code D = (D − mean(D))/std(D)}
     * (population std; when std is 0 the step is skipped and counted in {@link #takeStats()});
     * {@code I = clamp(I + rate·D, 0, 1)}. D is {@code imageGradient}, modified in place.
     */
    void ascend(Tensor image, Tensor imageGradient, float rate, boolean normalize);

    /** One whole iteration. Backends may fuse the steps; the result must equal running them in order. */
    default void optimize(
            Tensor image,
            Tensor imageGradient,
            LayerStack stack,
            Jitter jitter,
            float thresh,
            float rate,
            boolean normalize) {
        jitter(image, jitter, stack);
        forward(stack);
        thresholdGradient(stack, thresh);
        backward(stack);
        unjitter(stack, jitter, imageGradient);
        ascend(image, imageGradient, rate, normalize);
    }

    // ---- reconstruct mode ----------------------------------------------------------------------

    /** {@code stack.outputGradient() = features − stack.output()} (darknet's GPU build). */
    void reconstructionGradient(LayerStack stack, Tensor features);

    /**
     * With D = {@code stack.inputGradient()}: {@code U += D; R += rate·U; U *= momentum; R =
     * clamp(R, 0, 1)}, and records |D| for {@link #takeStats()}.
     */
    void momentumStep(Tensor image, Tensor update, LayerStack stack, float rate, float momentum);

    // ---- between rounds ------------------------------------------------------------------------

    /** darknet {@code rotate_image} in place: bilinear about the centre, black outside. */
    void rotate(Tensor image, float radians);

    /** darknet's between-rounds zoom in place: centre crop of zoom·size, resized back. */
    void zoom(Tensor image, float zoom);

    /** Counters since the last call (reading may synchronise the device). */
    SessionStats takeStats();

    // ---- memory --------------------------------------------------------------------------------

    /** Native (off-heap) memory this session holds now, in bytes; 0 for backends that hold none. */
    default long nativeBytes() {
        return 0;
    }

    /**
     * The end of a run: frees the working buffers of every size (they are made again, in a moment,
     * by the next step that needs them) and keeps the weights and, within the backend's budget,
     * what was prepared per working size. {@link dev.nightmare.engine.dream.Nightmare} calls it
     * when a run ends, however it ends; tensors the caller allocated are the caller's. Stacks stay
     * usable.
     */
    default void endRun() {}

    /** Frees device memory: weights, stacks and their tensors. */
    @Override
    void close();
}
