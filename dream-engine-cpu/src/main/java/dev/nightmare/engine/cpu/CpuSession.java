package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.SessionStats;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * A dream session on the CPU: activations and gradients stay in the channel-blocked layout from
 * layer 0's output to the backward pass's last convolution; only the network input and its
 * gradient are planar. Each layer is a {@link CpuLayer} of a {@link WorkingSize} (made by the
 * session's {@link LayerFactory}, once per size) with its own buffers; the loss and image steps are
 * {@link LayerKernels} and {@link ImageKernels}.
 */
final class CpuSession implements DreamSession {
    private record StackKey(int layer, int width, int height) {}

    private record SizeKey(int width, int height) {}

    private final CpuBackend backend;
    private final Model model;
    private final LayerFactory layers;
    private final LayerKernels kernels;
    private final ImageKernels images;
    private final Map<SizeKey, WorkingSize> sizes = new HashMap<>();
    private final Map<StackKey, CpuStack> stacks = new HashMap<>();
    private long skippedSteps;
    private double lastMagnitude = Double.NaN;

    CpuSession(CpuBackend backend, Model model, SessionOptions options, Workers workers, Convolutions convolutions) {
        this.backend = backend;
        this.model = model;
        this.kernels = new LayerKernels(workers);
        this.images = new ImageKernels(workers);
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
        if (host != shape.size()) {
            throw new IllegalArgumentException(
                    "host array has " + host + " floats, tensor " + shape + " has " + shape.size());
        }
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
            WorkingSize size = sizes.computeIfAbsent(
                    new SizeKey(width, height), k -> new WorkingSize(model.spec(), width, height));
            size.prepare(targetLayer, layers);
            stack = new CpuStack(targetLayer, size);
            stacks.put(key, stack);
        }
        return stack;
    }

    // ---- the steps of one iteration ------------------------------------------------------------

    @Override
    public void jitter(Tensor image, Jitter jitter, LayerStack stack) {
        images.jitter(planar(image), jitter, ((CpuStack) stack).input());
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
        WorkingSize size = ((CpuStack) stack).size;
        for (int i = 0; i <= stack.targetLayer(); i++) {
            size.layers[i].forward(i == 0 ? size.input : size.layers[i - 1].output());
        }
    }

    @Override
    public void thresholdGradient(LayerStack stack, float thresh) {
        CpuStack s = (CpuStack) stack;
        kernels.thresholdGradient(s.output(), s.outputGradient, thresh);
    }

    /** Back through layers target..0 (see {@link BackwardPass}); the caller's output gradient stays unchanged. */
    @Override
    public void backward(LayerStack stack) {
        CpuStack s = (CpuStack) stack;
        BackwardPass pass = new BackwardPass(s.size, s.outputGradient);
        for (int i = s.targetLayer; i >= 0; i--) {
            s.size.layers[i].backward(pass);
        }
        pass.finish(kernels);
    }

    @Override
    public void unjitter(LayerStack stack, Jitter jitter, Tensor imageGradient) {
        images.unjitter(((CpuStack) stack).inputGradient(), jitter, planar(imageGradient));
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
        kernels.difference(cpu(features), s.output(), s.outputGradient);
    }

    @Override
    public void momentumStep(Tensor image, Tensor update, LayerStack stack, float rate, float momentum) {
        lastMagnitude =
                images.momentumStep(planar(image), planar(update), ((CpuStack) stack).inputGradient(), rate, momentum);
    }

    // ---- between rounds: once per round, on the host with the reference image operations -------

    @Override
    public void rotate(Tensor image, float radians) {
        CpuTensor im = planar(image);
        Shape s = im.shape();
        float[] in = new float[(int) s.size()];
        read(im, in);
        float[] out = new float[in.length];
        ImageOps.rotate(in, s.channels(), s.width(), s.height(), radians, out);
        write(im, out);
    }

    @Override
    public void zoom(Tensor image, float zoom) {
        CpuTensor im = planar(image);
        Shape s = im.shape();
        float[] data = new float[(int) s.size()];
        read(im, data);
        ImageOps.ZoomWindow win = ImageOps.ZoomWindow.of(s.width(), s.height(), zoom);
        float[] cropped = new float[win.width() * win.height() * s.channels()];
        ImageOps.crop(
                data, s.channels(), s.width(), s.height(), win.dx(), win.dy(), cropped, win.width(), win.height());
        ImageOps.resize(
                cropped,
                s.channels(),
                win.width(),
                win.height(),
                data,
                s.width(),
                s.height(),
                new float[s.width() * win.height() * s.channels()]);
        write(im, data);
    }

    @Override
    public SessionStats takeStats() {
        SessionStats stats = new SessionStats(skippedSteps, lastMagnitude);
        skippedSteps = 0;
        lastMagnitude = Double.NaN;
        return stats;
    }

    @Override
    public void close() {
        for (CpuStack s : stacks.values()) {
            s.outputGradient.close();
        }
        stacks.clear();
        for (WorkingSize s : sizes.values()) {
            s.close();
        }
        sizes.clear();
        layers.close();
    }
}
