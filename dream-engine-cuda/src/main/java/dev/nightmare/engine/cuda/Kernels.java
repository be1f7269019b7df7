package dev.nightmare.engine.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA kernels of src/main/cuda, loaded from the committed PTX with {@code cuModuleLoadData}
 * into the backend's context, and how to launch them: every kernel is a grid-stride loop of {@link
 * #THREADS} threads per block on the default stream, so launches queue behind cuDNN's work and
 * nothing waits for the host.
 */
final class Kernels implements AutoCloseable {
    /** Must match THREADS in common.cuh (the block reductions size their shared memory by it). */
    static final int THREADS = 256;

    /** Must match REDUCE_BLOCKS in common.cuh. */
    static final int REDUCE_BLOCKS = 512;

    private static final int MAX_BLOCKS = 1 << 16;

    /** Resource folder of the PTX files build-ptx.sh writes. */
    static final String PTX_RESOURCES = "/dev/nightmare/engine/cuda/ptx/";

    private final CUmodule layers;
    private final CUmodule image;
    private final CUmodule loss;

    final CUfunction convolutionDarknet;
    final CUfunction biasActivate;
    final CUfunction batchnormActivate;
    final CUfunction activationBackward;
    final CUfunction batchnormBackwardExact;
    final CUfunction batchnormBackwardSums;
    final CUfunction batchnormBackwardApply;
    final CUfunction maxpoolForward;
    final CUfunction maxpoolBackward;
    final CUfunction resizeHorizontal;
    final CUfunction resizeVertical;
    final CUfunction rotate;
    final CUfunction sumPartials;
    final CUfunction finishMean;
    final CUfunction finishVariance;
    final CUfunction finishMagnitude;
    final CUfunction thresholdGradient;
    final CUfunction greyPull;
    final CUfunction ascendApply;
    final CUfunction momentumStep;
    final CUfunction difference;

    /** Loads the modules into the context current on this thread. */
    Kernels() {
        layers = load("layers");
        image = load("image");
        loss = load("loss");
        convolutionDarknet = function(layers, "convolution_darknet");
        biasActivate = function(layers, "bias_activate");
        batchnormActivate = function(layers, "batchnorm_activate");
        activationBackward = function(layers, "activation_backward");
        batchnormBackwardExact = function(layers, "batchnorm_backward_exact");
        batchnormBackwardSums = function(layers, "batchnorm_backward_sums");
        batchnormBackwardApply = function(layers, "batchnorm_backward_apply");
        maxpoolForward = function(layers, "maxpool_forward");
        maxpoolBackward = function(layers, "maxpool_backward");
        resizeHorizontal = function(image, "resize_horizontal");
        resizeVertical = function(image, "resize_vertical");
        rotate = function(image, "rotate");
        sumPartials = function(loss, "sum_partials");
        finishMean = function(loss, "finish_mean");
        finishVariance = function(loss, "finish_variance");
        finishMagnitude = function(loss, "finish_magnitude");
        thresholdGradient = function(loss, "threshold_gradient");
        greyPull = function(loss, "grey_pull");
        ascendApply = function(loss, "ascend_apply");
        momentumStep = function(loss, "momentum_step");
        difference = function(loss, "difference");
    }

    /** The PTX text of {@code name}.ptx, null-terminated as cuModuleLoadData wants it. */
    static byte[] ptx(String name) {
        try (InputStream in = Kernels.class.getResourceAsStream(PTX_RESOURCES + name + ".ptx")) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + PTX_RESOURCES + name + ".ptx is missing");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CUmodule load(String name) {
        CUmodule module = new CUmodule();
        JCudaDriver.cuModuleLoadData(module, ptx(name));
        return module;
    }

    private static CUfunction function(CUmodule module, String name) {
        CUfunction f = new CUfunction();
        JCudaDriver.cuModuleGetFunction(f, module, name);
        return f;
    }

    /** Launches a grid-stride kernel over {@code n} elements (nothing when n is 0). */
    void elementwise(CUfunction f, long n, Object... args) {
        if (n <= 0) {
            return;
        }
        long blocks = Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS);
        launch(f, (int) blocks, args);
    }

    /** Launches {@code blocks} blocks of {@link #THREADS} threads. */
    void launch(CUfunction f, int blocks, Object... args) {
        JCudaDriver.cuLaunchKernel(f, blocks, 1, 1, THREADS, 1, 1, 0, null, parameters(args), null);
    }

    /** Kernel parameters: device pointers by address, numbers by value in their C types. */
    static Pointer parameters(Object... args) {
        NativePointerObject[] pointers = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            pointers[i] = switch (args[i]) {
                case DeviceTensor t -> Pointer.to(t.pointer());
                case DeviceBuffer b -> Pointer.to(b.pointer);
                case CUdeviceptr p -> Pointer.to(p);
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Float v -> Pointer.to(new float[] {v});
                case Double v -> Pointer.to(new double[] {v});
                case Boolean v -> Pointer.to(new int[] {v ? 1 : 0});
                default -> throw new IllegalArgumentException("no kernel parameter type for " + args[i]);
            };
        }
        return Pointer.to(pointers);
    }

    @Override
    public void close() {
        JCudaDriver.cuModuleUnload(layers);
        JCudaDriver.cuModuleUnload(image);
        JCudaDriver.cuModuleUnload(loss);
    }
}
