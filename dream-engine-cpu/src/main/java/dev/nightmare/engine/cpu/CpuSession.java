package dev.nightmare.engine.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackwardState;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.SessionStats;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A dream session on the CPU: activations and gradients stay in the channel-blocked layout from
 * layer 0's output to the backward pass's last convolution; only the network input and its
 * gradient are planar. Each layer is a {@link CpuLayer} of a {@link WorkingSize} (made by the
 * session's {@link LayerFactory}) with its own buffers; the loss and image steps are {@link
 * LayerKernels} and {@link ImageKernels}.
 *
 * <p>Memory: what does not depend on the size (the weights in the backend's layouts) is made once
 * per layer; each working size's preparations are kept least recently used first out, within the
 * backend's {@link NativeBudget} and, between runs, within {@code cpu.keepPreparations}; the
 * buffers of every size are views of one {@link Pool}, as large as the largest size in use, freed
 * at the end of a run ({@link #endRun}).
 */
final class CpuSession implements DreamSession {
    private record StackKey(int layer, int width, int height) {}

    private record SizeKey(int width, int height) {}

    private final CpuBackend backend;
    private final Model model;
    private final SessionOptions options;
    private final LayerFactory layers;
    private final LayerKernels kernels;
    private final ImageKernels images;
    private final SignBits signs;
    private final Convolutions convolutions;
    private final NativeBudget.Account account;
    private final Pool pool;
    /** Preparations kept between runs, at most (bytes): the least recently used sizes beyond it go. */
    private final long keepPreparations;
    /** Working sizes, least recently used first. */
    private final LinkedHashMap<SizeKey, WorkingSize> sizes = new LinkedHashMap<>(16, 0.75f, true);

    private final Map<StackKey, CpuStack> stacks = new HashMap<>();
    /**
     * The size being prepared or bound, else the one last bound (whose steps may be running): never
     * dropped to make room (a convolution's weights are made during its first step).
     */
    private WorkingSize current;

    private long skippedSteps;
    private double lastMagnitude = Double.NaN;

    CpuSession(
            CpuBackend backend,
            Model model,
            SessionOptions options,
            Workers workers,
            Convolutions convolutions,
            NativeBudget.Account account,
            long keepPreparations,
            KernelChoice choice) {
        this.backend = backend;
        this.model = model;
        this.options = options;
        this.kernels = new LayerKernels(workers, choice);
        this.images = new ImageKernels(workers, choice);
        this.signs = new SignBits(workers, choice);
        this.convolutions = convolutions;
        this.account = account;
        this.keepPreparations = keepPreparations;
        this.pool = new Pool(account);
        account.dropWith(this::dropOne);
        this.layers = new LayerFactory(model, options, workers, kernels, convolutions);
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public SessionOptions options() {
        return options;
    }

    private static CpuTensor cpu(Tensor t) {
        return (CpuTensor) t;
    }

    // ---- tensors -------------------------------------------------------------------------------

    /** Planar for image-shaped tensors (the network's input channels), blocked for everything else. */
    @Override
    public Tensor allocate(Shape shape) {
        return CpuTensor.allocate(shape, shape.channels() == model.spec().channels() ? Layout.PLANAR : Layout.BLOCKED);
    }

    @Override
    public void write(Tensor tensor, float[] chw) {
        CpuTensor t = cpu(tensor);
        checkLength(chw.length, t.shape());
        kernels.convert(CpuTensor.view(t.shape(), Layout.PLANAR, MemorySegment.ofArray(chw)), t);
    }

    @Override
    public void read(Tensor tensor, float[] chw) {
        CpuTensor t = cpu(tensor);
        checkLength(chw.length, t.shape());
        kernels.convert(t, CpuTensor.view(t.shape(), Layout.PLANAR, MemorySegment.ofArray(chw)));
    }

    private static void checkLength(int host, Shape shape) {
        if (host < shape.size()) {
            throw new IllegalArgumentException(
                    "host array of " + host + " floats is shorter than tensor " + shape + "'s " + shape.size());
        }
    }

    @Override
    public void readRegion(Tensor tensor, int x, int y, int width, int height, float[] chw) {
        CpuTensor t = planar(tensor);
        regionRows(
                t,
                x,
                y,
                width,
                height,
                chw.length,
                (offset, at) -> MemorySegment.copy(t.data(), JAVA_FLOAT, offset, chw, at, width));
    }

    @Override
    public void writeRegion(Tensor tensor, int x, int y, int width, int height, float[] chw) {
        CpuTensor t = planar(tensor);
        regionRows(
                t,
                x,
                y,
                width,
                height,
                chw.length,
                (offset, at) -> MemorySegment.copy(chw, at, t.data(), JAVA_FLOAT, offset, width));
    }

    /** Calls {@code row} with (byte offset in the tensor, index in the host array) of each window row. */
    private static void regionRows(CpuTensor t, int x, int y, int width, int height, int hostLength, RegionRow row) {
        Shape s = t.shape();
        if (x < 0
                || y < 0
                || x + width > s.width()
                || y + height > s.height()
                || hostLength < s.channels() * width * height) {
            throw new IllegalArgumentException("window " + width + "×" + height + " at (" + x + ", " + y + ") of " + s
                    + " with a host array of " + hostLength + " floats");
        }
        for (int k = 0; k < s.channels(); k++) {
            for (int r = 0; r < height; r++) {
                long offset = (((long) k * s.height() + y + r) * s.width() + x) * Float.BYTES;
                row.copy(offset, (k * height + r) * width);
            }
        }
    }

    @FunctionalInterface
    private interface RegionRow {
        void copy(long offset, int at);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        kernels.convert(cpu(src), cpu(dst));
    }

    // ---- per-shape state -----------------------------------------------------------------------

    @Override
    public LayerStack stack(int targetLayer, int width, int height) {
        StackKey key = new StackKey(targetLayer, width, height);
        CpuStack stack = stacks.get(key);
        if (stack == null) {
            // Throws ShapeException, naming the layer, when the network cannot run at this size.
            model.spec().outputShapes(width, height, targetLayer);
            stack = new CpuStack(this, targetLayer, prepared(targetLayer, width, height));
            stacks.put(key, stack);
        }
        bound(stack);
        return stack;
    }

    /** The size, with layers 0..target prepared (again, if the cache dropped it). */
    private WorkingSize prepared(int target, int width, int height) {
        SizeKey key = new SizeKey(width, height);
        WorkingSize size = sizes.get(key);
        if (size == null) {
            size = new WorkingSize(model.spec(), width, height);
            sizes.put(key, size);
        }
        current = size;
        try {
            long added = size.prepare(target, layers);
            account.reserve(added, () -> "the preparations of layers 0.." + target + " at " + width + "×" + height);
        } catch (RuntimeException e) {
            drop(key, size);
            throw e;
        }
        return size;
    }

    /** The stack's buffers, bound in the pool (preparing the size again if it was dropped). */
    WorkingSize.Bound bound(CpuStack stack) {
        WorkingSize size = sizes.get(new SizeKey(stack.width, stack.height));
        WorkingSize.Bound b = size == null ? null : size.bound(pool.generation());
        if (b != null && b.layers[stack.targetLayer] != null && b.outputGradient(stack.targetLayer) != null) {
            current = size;
            return b;
        }
        size = prepared(stack.targetLayer, stack.width, stack.height);
        MemorySegment memory = pool.reserve(size.bufferBytes(), this::dropOne);
        return size.bind(memory, pool.generation(), layers);
    }

    /** Drops the least recently used size other than the current one; false when there is none. */
    private boolean dropOne() {
        for (Map.Entry<SizeKey, WorkingSize> e : sizes.entrySet()) {
            if (e.getValue() != current) {
                drop(e.getKey(), e.getValue());
                return true;
            }
        }
        return false;
    }

    private void drop(SizeKey key, WorkingSize size) {
        if (size == current) {
            current = null;
        }
        long bytes = size.preparationBytes();
        size.close();
        sizes.remove(key);
        account.release(bytes);
        stacks.values().removeIf(s -> s.width == key.width() && s.height == key.height());
    }

    // ---- the steps of one iteration ------------------------------------------------------------

    @Override
    public void jitter(Tensor image, Jitter jitter, LayerStack stack) {
        images.jitter(planar(image), jitter, ((CpuStack) stack).bound().input);
    }

    private static CpuTensor planar(Tensor t) {
        CpuTensor c = cpu(t);
        if (c.layout() != Layout.PLANAR) {
            throw new IllegalArgumentException("expected an image tensor, got a " + c.shape() + " activation");
        }
        return c;
    }

    @Override
    public void forward(LayerStack stack) {
        WorkingSize.Bound size = ((CpuStack) stack).bound();
        for (int i = 0; i <= stack.targetLayer(); i++) {
            size.layers[i].forward(i == 0 ? size.input : size.layers[i - 1].output());
        }
    }

    @Override
    public void thresholdGradient(LayerStack stack, float thresh) {
        CpuStack s = (CpuStack) stack;
        WorkingSize.Bound b = s.bound();
        kernels.thresholdGradient(b.layers[s.targetLayer].output(), b.outputGradient(s.targetLayer), thresh);
    }

    /** Back through layers target..0 (see {@link BackwardPass}); the caller's output gradient stays unchanged. */
    @Override
    public void backward(LayerStack stack) {
        CpuStack s = (CpuStack) stack;
        WorkingSize.Bound b = s.bound();
        BackwardPass pass = new BackwardPass(b, b.outputGradient(s.targetLayer));
        for (int i = s.targetLayer; i >= 0; i--) {
            b.layers[i].backward(pass);
        }
        pass.finish(kernels);
    }

    // ---- kept backward states (a tiled iteration's second pass) ---------------------------------

    @Override
    public long backwardStateBytes(int targetLayer, int width, int height) {
        NetworkSpec spec = model.spec();
        List<Shape> shapes = WorkingSize.runnableShapes(spec, new Shape(spec.channels(), height, width));
        if (targetLayer >= shapes.size()) {
            return 0;
        }
        long bytes = 0;
        for (int i = 0; i <= targetLayer; i++) {
            long layer = layers.keptBytes(i, shapes.get(i), i == targetLayer);
            if (layer < 0) {
                return 0;
            }
            bytes += layer;
        }
        return bytes;
    }

    @Override
    public Optional<BackwardState> saveBackwardState(LayerStack stack) {
        CpuStack s = (CpuStack) stack;
        return KeptBackward.save(s, keptParts(s), signs, account).map(kept -> kept);
    }

    @Override
    public void restoreBackwardState(LayerStack stack, BackwardState state) {
        CpuStack s = (CpuStack) stack;
        ((KeptBackward) state).restore(s, keptParts(s), signs);
    }

    /** What the stack's layers keep, in order. */
    private static List<KeptPart> keptParts(CpuStack stack) {
        WorkingSize.Bound b = stack.bound();
        List<KeptPart> parts = new ArrayList<>();
        for (int i = 0; i <= stack.targetLayer; i++) {
            if (!b.layers[i].keptParts(i == stack.targetLayer, parts)) {
                throw new IllegalStateException("layer " + i + " keeps no backward state");
            }
        }
        return parts;
    }

    @Override
    public void unjitter(LayerStack stack, Jitter jitter, Tensor imageGradient) {
        images.unjitter(((CpuStack) stack).bound().inputGradient, jitter, planar(imageGradient));
    }

    @Override
    public void ascend(Tensor image, Tensor imageGradient, float rate, boolean normalize) {
        if (!images.ascend(planar(image), planar(imageGradient), rate, normalize)) {
            skippedSteps++;
        }
    }

    // ---- reconstruct mode ----------------------------------------------------------------------

    @Override
    public void reconstructionGradient(LayerStack stack, Tensor features) {
        CpuStack s = (CpuStack) stack;
        WorkingSize.Bound b = s.bound();
        kernels.difference(cpu(features), b.layers[s.targetLayer].output(), b.outputGradient(s.targetLayer));
    }

    @Override
    public void momentumStep(Tensor image, Tensor update, LayerStack stack, float rate, float momentum) {
        lastMagnitude = images.momentumStep(
                planar(image), planar(update), ((CpuStack) stack).bound().inputGradient, rate, momentum);
    }

    // ---- between rounds: once per round, on the host with the reference image operations -------
    // A band of rows at a time into the tensor, from one host copy of the image: a poster's
    // rotate or zoom holds one image beside the tensor, not two or three.

    /** Rows per band: about a megabyte of floats. */
    private static int bandRows(Shape s) {
        return Math.max(1, (1 << 18) / (s.channels() * s.width()));
    }

    @Override
    public void rotate(Tensor image, float radians) {
        Shape s = image.shape();
        inBands(
                image,
                (in, y0, y1, band) ->
                        ImageOps.rotateRows(in, s.channels(), s.width(), s.height(), radians, y0, y1, band));
    }

    @Override
    public void zoom(Tensor image, float zoom) {
        Shape s = image.shape();
        ImageOps.ZoomWindow win = ImageOps.ZoomWindow.of(s.width(), s.height(), zoom);
        inBands(
                image,
                (in, y0, y1, band) -> ImageOps.zoomRows(in, s.channels(), s.width(), s.height(), win, y0, y1, band));
    }

    /** Rows {@code y0..y1−1} of an operation's output, made from the whole source into a band. */
    @FunctionalInterface
    private interface BandOperation {
        void rows(float[] source, int y0, int y1, float[] band);
    }

    /** Replaces the image by {@code operation}'s output, computed from one host copy a band at a time. */
    private void inBands(Tensor image, BandOperation operation) {
        CpuTensor im = planar(image);
        Shape s = im.shape();
        float[] source = new float[(int) s.size()];
        read(im, source);
        int rows = bandRows(s);
        float[] band = new float[s.channels() * rows * s.width()];
        for (int y0 = 0; y0 < s.height(); y0 += rows) {
            int y1 = Math.min(s.height(), y0 + rows);
            operation.rows(source, y0, y1, band);
            writeRegion(im, 0, y0, s.width(), y1 - y0, band);
        }
    }

    @Override
    public SessionStats takeStats() {
        SessionStats stats = new SessionStats(skippedSteps, lastMagnitude);
        skippedSteps = 0;
        lastMagnitude = Double.NaN;
        return stats;
    }

    // ---- memory --------------------------------------------------------------------------------

    @Override
    public long nativeBytes() {
        return account.held();
    }

    /**
     * Frees the pool (every size's buffers) and the convolutions' per-run scratch, and keeps the
     * preparations of the most recently used sizes within {@code keepPreparations}.
     */
    @Override
    public void endRun() {
        pool.release();
        convolutions.endRun();
        long kept = 0;
        for (WorkingSize s : sizes.values()) {
            kept += s.preparationBytes();
        }
        while (kept > keepPreparations && !sizes.isEmpty()) {
            Map.Entry<SizeKey, WorkingSize> eldest = sizes.entrySet().iterator().next();
            kept -= eldest.getValue().preparationBytes();
            drop(eldest.getKey(), eldest.getValue());
        }
    }

    /** Bytes of the convolutions' weights now (tests). */
    long weightBytes() {
        return convolutions.weightBytes();
    }

    /** Bytes of the preparations kept now (tests). */
    long preparationBytes() {
        long bytes = 0;
        for (WorkingSize s : sizes.values()) {
            bytes += s.preparationBytes();
        }
        return bytes;
    }

    /** Sizes whose preparations are kept now (tests). */
    int preparedSizes() {
        return sizes.size();
    }

    /** Bytes of the pool now (tests). */
    long poolBytes() {
        return pool.capacity();
    }

    @Override
    public void close() {
        stacks.clear();
        for (WorkingSize s : sizes.values()) {
            s.close();
        }
        sizes.clear();
        pool.close();
        layers.close();
        account.close();
    }
}
