package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.ForwardArithmetic;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.SessionStats;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.cpu.LayerKernels.ChannelParameters;
import dev.nightmare.engine.cpu.WorkingSize.LayerState;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * A dream session on the CPU: activations and gradients stay in the channel-blocked layout from
 * layer 0's output to the backward pass's last convolution; only the network input and its
 * gradient are planar. Convolutions come from the backend's {@link Convolutions} (forward from
 * {@link DarknetConvolutions} instead when the session runs darknet's arithmetic); everything else
 * is {@link LayerKernels} and {@link ImageKernels}. Buffers belong to a {@link WorkingSize} and
 * are allocated once per size.
 */
final class CpuSession implements DreamSession {
    private record StackKey(int layer, int width, int height) {}

    private record SizeKey(int width, int height) {}

    private final CpuBackend backend;
    private final Model model;
    private final SessionOptions options;
    private final Convolutions convolutions;
    /** Layer 0's backward data when it is a convolution and the backend wants it in Java, else null. */
    private final FirstLayerBackward firstLayer;
    /** Forward convolutions in darknet's arithmetic, or null when the session runs the fastest one. */
    private final DarknetConvolutions darknet;

    private final LayerKernels layers;
    private final ImageKernels images;
    private final ChannelParameters[] parameters;
    private final Map<SizeKey, WorkingSize> sizes = new HashMap<>();
    private final Map<StackKey, CpuStack> stacks = new HashMap<>();
    private long skippedSteps;
    private double lastMagnitude = Double.NaN;

    CpuSession(CpuBackend backend, Model model, SessionOptions options, Workers workers, Convolutions convolutions) {
        this.backend = backend;
        this.model = model;
        this.options = options;
        this.convolutions = convolutions;
        this.darknet = options.forwardArithmetic() == ForwardArithmetic.DARKNET
                ? new DarknetConvolutions(model, workers)
                : null;
        this.firstLayer = convolutions.javaFirstLayerBackward()
                        && model.spec().layer(0) instanceof ConvolutionalSpec conv
                ? new FirstLayerBackward(workers, conv, model.convolutional(0).kernels())
                : null;
        this.layers = new LayerKernels(workers);
        this.images = new ImageKernels(workers);
        NetworkSpec spec = model.spec();
        this.parameters = new ChannelParameters[spec.size()];
        for (int i = 0; i < spec.size(); i++) {
            if (spec.layer(i) instanceof ConvolutionalSpec conv) {
                parameters[i] = ChannelParameters.of(model.convolutional(i), conv.filters());
            }
        }
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
        layers.convert(CpuTensor.view(t.shape(), Layout.PLANAR, MemorySegment.ofArray(chw)), t);
    }

    @Override
    public void read(Tensor tensor, float[] chw) {
        CpuTensor t = cpu(tensor);
        checkLength(chw.length, t.shape());
        layers.convert(t, CpuTensor.view(t.shape(), Layout.PLANAR, MemorySegment.ofArray(chw)));
    }

    private static void checkLength(int host, Shape shape) {
        if (host != shape.size()) {
            throw new IllegalArgumentException(
                    "host array has " + host + " floats, tensor " + shape + " has " + shape.size());
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        layers.convert(cpu(src), cpu(dst));
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
            size.prepare(model, targetLayer, convolutions, darknet, parameters);
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
        CpuStack s = (CpuStack) stack;
        WorkingSize size = s.size;
        NetworkSpec spec = model.spec();
        for (int i = 0; i <= s.targetLayer; i++) {
            LayerState layer = size.layers[i];
            CpuTensor x = i == 0 ? size.input : size.layers[i - 1].output;
            switch (spec.layer(i)) {
                case ConvolutionalSpec conv -> {
                    if (conv.batchNormalize()) {
                        layer.convolution.forward(x, layer.raw);
                        layers.normalizeAndActivate(layer.raw, layer.output, layer.parameters, conv.activation());
                    } else {
                        layer.convolution.forward(x, layer.output);
                    }
                }
                case MaxpoolSpec pool -> {
                    if (i == 0) {
                        layers.convert(size.input, size.blockedInput);
                        x = size.blockedInput;
                    }
                    layers.maxpool(x, layer.output, layer.argmax, pool);
                }
                default -> throw new IllegalStateException("layer " + i + " has no forward here");
            }
        }
    }

    @Override
    public void thresholdGradient(LayerStack stack, float thresh) {
        CpuStack s = (CpuStack) stack;
        layers.thresholdGradient(s.output(), s.outputGradient, thresh);
    }

    /**
     * Back through layers target..0. The gradient lives in one of two scratch buffers (never in the
     * caller's output gradient, which stays unchanged): a convolution turns dL/da into dL/dz in place
     * and passes it back into the other buffer; a maxpool routes it into the other buffer,
     * multiplying by the activation derivative of the convolution below on the way.
     */
    @Override
    public void backward(LayerStack stack) {
        CpuStack s = (CpuStack) stack;
        WorkingSize size = s.size;
        NetworkSpec spec = model.spec();
        CpuTensor delta = s.outputGradient;
        int current = -1; // scratch buffer holding delta; −1: the caller's output gradient
        boolean derivativeApplied = false;
        for (int i = s.targetLayer; i >= 0; i--) {
            LayerState layer = size.layers[i];
            LayerSpec spec_i = spec.layer(i);
            switch (spec_i) {
                case ConvolutionalSpec conv -> {
                    int gBuffer = current < 0 ? 0 : current;
                    CpuTensor g = size.scratch(gBuffer, i);
                    if (!derivativeApplied) {
                        layers.activationBackward(delta, layer.output, g, conv.activation());
                    }
                    if (conv.batchNormalize()) {
                        layers.batchNormBackward(g, layer.raw, layer.parameters, options.batchNormGradient());
                    }
                    if (i == 0 && firstLayer != null) {
                        // Straight into the planar image gradient (see FirstLayerBackward).
                        firstLayer.backward(g, size.inputGradient);
                        return;
                    }
                    current = 1 - gBuffer;
                    delta = size.scratch(current, i - 1);
                    layer.convolution.backwardData(g, delta);
                    derivativeApplied = false;
                }
                case MaxpoolSpec pool -> {
                    current = current < 0 ? 0 : 1 - current;
                    CpuTensor dx = size.scratch(current, i - 1);
                    CpuTensor below = null;
                    var activation = dev.nightmare.engine.model.Activation.LINEAR;
                    if (i > 0 && spec.layer(i - 1) instanceof ConvolutionalSpec conv) {
                        below = size.layers[i - 1].output;
                        activation = conv.activation();
                    }
                    layers.maxpoolBackward(delta, layer.argmax, dx, pool, below, activation);
                    derivativeApplied = below != null;
                    delta = dx;
                }
                default -> throw new IllegalStateException("layer " + i + " has no backward here");
            }
        }
        layers.convert(delta, size.inputGradient);
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
        layers.difference(cpu(features), s.output(), s.outputGradient);
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
        convolutions.close();
        if (darknet != null) {
            darknet.close();
        }
    }
}
