package dev.nightmare.engine.cuda;

import static jcuda.jcudnn.JCudnn.cudnnCreate;
import static jcuda.jcudnn.JCudnn.cudnnDestroy;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.ForwardArithmetic;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.OutOfDeviceMemoryException;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.SessionStats;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.AvgpoolSpec;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SoftmaxSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;
import jcuda.jcudnn.cudnnHandle;

/**
 * One model on the GPU. Every step of an iteration is a cuDNN call or a kernel launch on the
 * default stream, so an iteration never waits for the host: the loss statistics, the
 * normalisation's mean and standard deviation and the skipped-step counter all stay in device
 * scalars, and only {@link #read}, {@link #takeStats} and allocation touch the host. Weights are
 * uploaded once, when the session opens; cuDNN algorithms are chosen once per layer and size.
 * Not thread-safe (one run at a time), like every {@link DreamSession}.
 */
final class CudaSession implements DreamSession {
    /** Device memory left free for cuDNN's and the driver's own needs when planning a stack. */
    static final long MEMORY_MARGIN_BYTES = 256L << 20;

    private record StackKey(int layer, int width, int height) {}

    private record PlanKey(int layer, int channels, int height, int width) {}

    private final CudaBackend backend;
    private final CudaRuntime runtime;
    private final ImageLaunches images;
    private final LossLaunches loss;
    private final Model model;
    private final SessionOptions options;
    private final DeviceMemory memory;
    private final cudnnHandle handle = new cudnnHandle();
    private boolean handleCreated;
    /** (layer) parameters of convolutional layers, null for the others */
    private final LayerParameters[] parameters;
    /** (layer) forward and backward, null for the types that cannot run here */
    private final CudaLayer[] layers;

    private final Map<StackKey, CudaStack> stacks = new HashMap<>();
    private final Map<PlanKey, ConvolutionPlan> plans = new HashMap<>();

    /** Shared cuDNN workspace, grown when a new plan needs more (only while preparing a stack). */
    private DeviceBuffer workspace;
    /** Scratch for the image ops' intermediate (resize's horizontal pass, rotate's output). */
    private DeviceBuffer scratch;
    /** REDUCE_BLOCKS partial sums (double). */
    private final DeviceBuffer partials;
    /** float mean, float variance of the last reduction. */
    private final DeviceBuffer moments;
    /** Steps skipped for a zero std since the last {@link #takeStats} (uint64). */
    private final DeviceBuffer skipped;
    /** Reconstruct mode's last |D| (double). */
    private final DeviceBuffer magnitude;
    /** Per-channel (Σdelta, Σdelta·(z − m)) for darknet's batch-norm backward (double). */
    private final DeviceBuffer batchNormSums;

    private boolean magnitudeWritten;
    private boolean closed;

    CudaSession(CudaBackend backend, Model model, SessionOptions options) {
        this.backend = backend;
        this.runtime = backend.runtime();
        this.images = backend.kernels().image;
        this.loss = backend.kernels().loss;
        this.model = model;
        this.options = options;
        this.memory = new DeviceMemory(backend);
        NetworkSpec spec = model.spec();
        this.parameters = new LayerParameters[spec.size()];
        this.layers = new CudaLayer[spec.size()];
        backend.bind();
        try {
            runtime.check(cudnnCreate(handle), "cudnnCreate");
            handleCreated = true;
            int maxFilters = 1;
            for (int i = 0; i < spec.size(); i++) {
                if (spec.layer(i) instanceof ConvolutionalSpec conv && model.convolutional(i) != null) {
                    parameters[i] = new LayerParameters(
                            runtime,
                            memory,
                            conv,
                            spec.inputChannels(i),
                            model.convolutional(i),
                            options.forwardArithmetic() == ForwardArithmetic.DARKNET,
                            backend.options().fastBackwardData());
                    maxFilters = Math.max(maxFilters, conv.filters());
                }
            }
            partials = memory.allocate((long) Kernels.REDUCE_BLOCKS * Double.BYTES, "reduction scratch");
            moments = memory.allocate(4L * Float.BYTES, "reduction scratch");
            skipped = memory.allocate(Long.BYTES, "counters");
            magnitude = memory.allocate(Double.BYTES, "counters");
            batchNormSums = memory.allocate(2L * maxFilters * Double.BYTES, "batch-norm scratch");
            workspace = memory.allocate(0, "cuDNN workspace");
            scratch = memory.allocate(0, "image scratch");
            for (int i = 0; i < spec.size(); i++) {
                layers[i] = layer(spec, i, options);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Layer i's maths on the device, or null when its type cannot run here. */
    private CudaLayer layer(NetworkSpec spec, int i, SessionOptions options) {
        LayerLaunches kernels = backend.kernels().layers;
        if (spec.layer(i) instanceof ConvolutionalSpec conv && parameters[i] != null) {
            return new ConvolutionalLayer(
                    i,
                    conv,
                    spec.inputChannels(i),
                    parameters[i],
                    backend.options().fastBackwardData(),
                    options.batchNormGradient(),
                    batchNormSums,
                    kernels,
                    runtime,
                    handle);
        }
        if (spec.layer(i) instanceof MaxpoolSpec pool) {
            return i == 0
                    ? new MaxpoolLayer(i, pool, null, null, kernels)
                    : new MaxpoolLayer(i, pool, spec.layer(i - 1), parameters[i - 1], kernels);
        }
        if (spec.layer(i) instanceof AvgpoolSpec) {
            return new AvgpoolLayer(i, kernels);
        }
        if (spec.layer(i) instanceof SoftmaxSpec softmax) {
            return new SoftmaxLayer(i, softmax, kernels);
        }
        return null;
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

    /** Device memory this session holds now and at most so far. */
    long memoryInUseBytes() {
        return memory.inUseBytes();
    }

    long memoryPeakBytes() {
        return memory.peakBytes();
    }

    private static DeviceTensor device(Tensor t) {
        return (DeviceTensor) t;
    }

    // ---- tensors ---------------------------------------------------------------------------------

    @Override
    public Tensor allocate(Shape shape) {
        backend.bind();
        return new DeviceTensor(shape, memory.allocate(shape.size() * Float.BYTES, "a " + shape + " tensor"));
    }

    @Override
    public void write(Tensor tensor, float[] chw) {
        DeviceTensor t = device(tensor);
        checkLength(chw.length, t.floats());
        backend.bind();
        JCudaDriver.cuMemcpyHtoD(t.pointer(), Pointer.to(chw), t.floats() * Float.BYTES);
    }

    @Override
    public void read(Tensor tensor, float[] chw) {
        DeviceTensor t = device(tensor);
        checkLength(chw.length, t.floats());
        backend.bind();
        JCudaDriver.cuMemcpyDtoH(Pointer.to(chw), t.pointer(), t.floats() * Float.BYTES);
    }

    private static void checkLength(long host, long device) {
        if (host < device) {
            throw new IllegalArgumentException(
                    "host array of " + host + " floats is shorter than the tensor's " + device);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        DeviceTensor s = device(src);
        DeviceTensor d = device(dst);
        checkLength(s.floats(), d.floats());
        backend.bind();
        JCudaDriver.cuMemcpyDtoD(d.pointer(), s.pointer(), s.floats() * Float.BYTES);
    }

    // ---- per-shape state -------------------------------------------------------------------------

    @Override
    public LayerStack stack(int targetLayer, int width, int height) {
        StackKey key = new StackKey(targetLayer, width, height);
        CudaStack stack = stacks.get(key);
        if (stack == null) {
            stack = prepare(targetLayer, width, height);
            stacks.put(key, stack);
        }
        return stack;
    }

    /** Plans (cached per layer and size), checks the memory arithmetic, then allocates. */
    private CudaStack prepare(int targetLayer, int width, int height) {
        backend.bind();
        NetworkSpec spec = model.spec();
        List<Shape> shapes = spec.outputShapes(width, height, targetLayer);
        ConvolutionPlan[] stackPlans = new ConvolutionPlan[targetLayer + 1];
        long workspaceNeeded = 0;
        for (int i = 0; i <= targetLayer; i++) {
            if (layers[i] == null) {
                throw new IllegalStateException(
                        "layer " + i + " [" + spec.layer(i).type() + "] cannot run on the GPU backend");
            }
            if (spec.layer(i) instanceof ConvolutionalSpec conv) {
                Shape in = i == 0 ? new Shape(spec.channels(), height, width) : shapes.get(i - 1);
                LayerParameters p = parameters[i];
                stackPlans[i] = plans.computeIfAbsent(
                        new PlanKey(i, in.channels(), in.height(), in.width()),
                        k -> new ConvolutionPlan(
                                runtime,
                                handle,
                                p.filter,
                                p.transposedFilter,
                                conv,
                                in,
                                shapes.get(k.layer()),
                                backend.options()));
                workspaceNeeded = Math.max(workspaceNeeded, stackPlans[i].workspaceBytes());
            }
        }
        long needed =
                StackMemory.bytes(spec, targetLayer, width, height) + Math.max(0, workspaceNeeded - workspace.bytes);
        long available = backend.freeBytes() - MEMORY_MARGIN_BYTES;
        if (needed > available) {
            throw new OutOfDeviceMemoryException(
                    StackMemory.doesNotFit(targetLayer, width, height, needed, available, backend.deviceName()));
        }
        if (workspaceNeeded > workspace.bytes) {
            workspace.close();
            workspace = memory.allocate(workspaceNeeded, "the cuDNN workspace");
        }
        return new CudaStack(spec, targetLayer, width, height, stackPlans, memory);
    }

    /** The scratch buffer, grown to at least {@code floats} (growth happens on first use of a size). */
    private DeviceBuffer scratch(long floats) {
        if (scratch.bytes < floats * Float.BYTES) {
            scratch.close();
            scratch = memory.allocate(floats * Float.BYTES, "image scratch");
        }
        return scratch;
    }

    // ---- one iteration ---------------------------------------------------------------------------

    @Override
    public void jitter(Tensor image, Jitter jitter, LayerStack stack) {
        backend.bind();
        DeviceTensor im = device(image);
        CudaStack s = (CudaStack) stack;
        int c = im.shape().channels(), w = im.shape().width(), h = im.shape().height();
        int ws = s.inputShape.width(), hs = s.inputShape.height();
        // crop(dx, dy) read through the horizontal pass, flip written by the vertical one.
        resize(im.buffer, c, w, h, w, h, jitter.dx(), jitter.dy(), false, s.input.buffer, ws, hs, jitter.flip(), 0, 0);
    }

    @Override
    public void unjitter(LayerStack stack, Jitter jitter, Tensor imageGradient) {
        backend.bind();
        CudaStack s = (CudaStack) stack;
        DeviceTensor out = device(imageGradient);
        int c = out.shape().channels(), w = out.shape().width(), h = out.shape().height();
        int ws = s.inputShape.width(), hs = s.inputShape.height();
        // flip read through the horizontal pass, crop(−dx, −dy) written by the vertical one.
        resize(
                s.inputGradient.buffer,
                c,
                ws,
                hs,
                ws,
                hs,
                0,
                0,
                jitter.flip(),
                out.buffer,
                w,
                h,
                false,
                -jitter.dx(),
                -jitter.dy());
    }

    /**
     * darknet resize_image of a view of {@code src} into a view of {@code dst}: the source is the
     * physical image cropped at (srcDx, srcDy) to srcW×srcH and optionally mirrored; the result
     * dstW×dstH is written mirrored and/or shifted by (dstDx, dstDy) with edge replication.
     */
    private void resize(
            DeviceBuffer src,
            int channels,
            int physW,
            int physH,
            int srcW,
            int srcH,
            int srcDx,
            int srcDy,
            boolean srcFlip,
            DeviceBuffer dst,
            int dstW,
            int dstH,
            boolean dstFlip,
            int dstDx,
            int dstDy) {
        // ImageOps.resize's scales, computed the same way in float.
        float wScale = (float) (srcW - 1) / (dstW - 1);
        float hScale = (float) (srcH - 1) / (dstH - 1);
        DeviceBuffer part = scratch((long) channels * srcH * dstW);
        images.resizeHorizontal(src, part, channels, physW, physH, srcW, srcH, srcDx, srcDy, srcFlip, dstW, wScale);
        images.resizeVertical(part, dst, channels, srcH, dstW, dstH, hScale, dstFlip, dstDx, dstDy);
    }

    @Override
    public void forward(LayerStack stack) {
        backend.bind();
        CudaStack s = (CudaStack) stack;
        for (int i = 0; i <= s.targetLayer; i++) {
            layers[i].forward(s, workspace);
        }
    }

    @Override
    public void thresholdGradient(LayerStack stack, float thresh) {
        backend.bind();
        CudaStack s = (CudaStack) stack;
        DeviceTensor out = s.output();
        long n = out.floats();
        meanAndVariance(out.buffer, n, false);
        loss.thresholdGradient(out.buffer, s.outputGradient.buffer, n, moments, thresh);
    }

    /** moments = (mean, population variance) of x, on the device. */
    private void meanAndVariance(DeviceBuffer x, long n, boolean countZeroStd) {
        loss.sumPartials(x, n, LossLaunches.SUM_PLAIN, moments, partials);
        loss.finishMean(partials, n, moments);
        loss.sumPartials(x, n, LossLaunches.SUM_CENTERED, moments, partials);
        loss.finishVariance(partials, n, moments, countZeroStd, skipped);
    }

    /**
     * Back through layers target..0: dL/d(output) is copied into one of two scratch buffers (the
     * caller's output gradient stays unchanged), and each layer passes it back into the other one,
     * layer 0 into the stack's input gradient.
     */
    @Override
    public void backward(LayerStack stack) {
        backend.bind();
        CudaStack s = (CudaStack) stack;
        int current = 0;
        JCudaDriver.cuMemcpyDtoD(
                s.deltas[current].pointer, s.outputGradient.pointer(), s.outputGradient.floats() * Float.BYTES);
        // Set when a maxpool's backward already applied the layer below's activation derivative.
        boolean derivativeApplied = false;
        for (int i = s.targetLayer; i >= 0; i--) {
            DeviceBuffer inputDelta = i == 0 ? s.inputGradient.buffer : s.deltas[1 - current];
            derivativeApplied = layers[i].backward(s, s.deltas[current], inputDelta, derivativeApplied, workspace);
            current = 1 - current;
        }
    }

    @Override
    public void ascend(Tensor image, Tensor imageGradient, float rate, boolean normalize) {
        backend.bind();
        DeviceTensor im = device(image);
        DeviceTensor d = device(imageGradient);
        long n = d.floats();
        loss.greyPull(d.buffer, im.buffer, n);
        if (normalize) {
            meanAndVariance(d.buffer, n, true);
        }
        loss.ascendApply(im.buffer, d.buffer, n, rate, normalize, moments);
    }

    // ---- reconstruct mode --------------------------------------------------------------------------

    @Override
    public void reconstructionGradient(LayerStack stack, Tensor features) {
        backend.bind();
        CudaStack s = (CudaStack) stack;
        long n = s.outputGradient.floats();
        loss.difference(device(features).buffer, s.output().buffer, s.outputGradient.buffer, n);
    }

    @Override
    public void momentumStep(Tensor image, Tensor update, LayerStack stack, float rate, float momentum) {
        backend.bind();
        CudaStack s = (CudaStack) stack;
        long n = s.inputGradient.floats();
        loss.momentumStep(device(image).buffer, device(update).buffer, s.inputGradient.buffer, n, rate, momentum);
        loss.sumPartials(s.inputGradient.buffer, n, LossLaunches.SUM_SQUARES, moments, partials);
        loss.finishMagnitude(partials, magnitude);
        magnitudeWritten = true;
    }

    // ---- between rounds ----------------------------------------------------------------------------

    @Override
    public void rotate(Tensor image, float radians) {
        backend.bind();
        DeviceTensor im = device(image);
        Shape s = im.shape();
        long n = im.floats();
        DeviceBuffer out = scratch(n);
        images.rotate(im.buffer, out, s, Math.cos(radians), Math.sin(radians));
        JCudaDriver.cuMemcpyDtoD(im.pointer(), out.pointer, n * Float.BYTES);
    }

    @Override
    public void zoom(Tensor image, float zoom) {
        backend.bind();
        DeviceTensor im = device(image);
        Shape s = im.shape();
        ImageOps.ZoomWindow win = ImageOps.ZoomWindow.of(s.width(), s.height(), zoom);
        // The horizontal pass reads the image into scratch, so the vertical one may write it in place.
        resize(
                im.buffer,
                s.channels(),
                s.width(),
                s.height(),
                win.width(),
                win.height(),
                win.dx(),
                win.dy(),
                false,
                im.buffer,
                s.width(),
                s.height(),
                false,
                0,
                0);
    }

    @Override
    public SessionStats takeStats() {
        backend.bind();
        long[] count = new long[1];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(count), skipped.pointer, Long.BYTES);
        JCudaDriver.cuMemsetD32(skipped.pointer, 0, 2);
        double last = Double.NaN;
        if (magnitudeWritten) {
            double[] value = new double[1];
            JCudaDriver.cuMemcpyDtoH(Pointer.to(value), magnitude.pointer, Double.BYTES);
            last = value[0];
            magnitudeWritten = false;
        }
        return new SessionStats(count[0], last);
    }

    /** Waits for the device to finish what was queued (benchmarks time with it). */
    void synchronize() {
        backend.bind();
        JCudaDriver.cuCtxSynchronize();
    }

    cudnnHandle cudnnHandle() {
        return handle;
    }

    /** Layer {@code i}'s parameters on the device; null for layers without weights. */
    LayerParameters parameters(int i) {
        return parameters[i];
    }

    /** The algorithms chosen so far, one line per cached plan (for the GPU check's log). */
    String describePlans() {
        StringBuilder sb = new StringBuilder();
        plans.forEach((k, p) -> sb.append("layer ")
                .append(k.layer())
                .append(" at ")
                .append(k.width())
                .append('×')
                .append(k.height())
                .append(": ")
                .append(p.describe())
                .append('\n'));
        return sb.toString();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        backend.bind();
        stacks.clear();
        plans.values().forEach(ConvolutionPlan::close);
        plans.clear();
        for (LayerParameters p : parameters) {
            if (p != null) {
                p.close();
            }
        }
        memory.freeAll();
        if (handleCreated) {
            cudnnDestroy(handle);
        }
    }
}
