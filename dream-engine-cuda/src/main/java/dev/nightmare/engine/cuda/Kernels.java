package dev.nightmare.engine.cuda;

import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;
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
    final CUfunction biasActivate4;
    final CUfunction batchnormActivate;
    final CUfunction activationBackward;
    final CUfunction activationBackward4;
    final CUfunction batchnormBackwardExact;
    final CUfunction batchnormBackwardSums;
    final CUfunction batchnormBackwardApply;
    final CUfunction maxpoolForward;
    final CUfunction maxpoolBackward;
    final CUfunction maxpoolBackwardTiles;
    final CUfunction inputGradientSmall;
    final CUfunction inputGradientRgb3x3;
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

    /** input_gradient_small's limits (SMALL_INPUT_CHANNELS, SMALL_INPUT_WEIGHTS in layers.cu). */
    static final int SMALL_INPUT_CHANNELS = 4;

    static final int SMALL_INPUT_WEIGHTS = 4096;

    /** Whether {@code input_gradient_small} can compute this convolution's backward-data. */
    static boolean smallInputGradientApplies(ConvolutionalSpec conv, int channels) {
        return conv.stride() == 1
                && channels <= SMALL_INPUT_CHANNELS
                && (long) conv.filters() * channels * conv.size() * conv.size() <= SMALL_INPUT_WEIGHTS;
    }

    /**
     * Whether {@code maxpool_backward_tiles} applies: windows that do not overlap, start at the
     * input's corner and cover it, and 32-bit indices suffice.
     */
    static boolean maxpoolTilesApply(MaxpoolSpec pool, Shape in, Shape out) {
        return pool.stride() == pool.size()
                && pool.offset() == 0
                && (long) out.height() * pool.stride() >= in.height()
                && (long) out.width() * pool.stride() >= in.width()
                && in.size() < Integer.MAX_VALUE;
    }

    /** Loads the modules into the context current on this thread. */
    Kernels() {
        layers = load("layers");
        image = load("image");
        loss = load("loss");
        convolutionDarknet = function(layers, "convolution_darknet");
        biasActivate = function(layers, "bias_activate");
        biasActivate4 = function(layers, "bias_activate4");
        batchnormActivate = function(layers, "batchnorm_activate");
        activationBackward = function(layers, "activation_backward");
        activationBackward4 = function(layers, "activation_backward4");
        batchnormBackwardExact = function(layers, "batchnorm_backward_exact");
        batchnormBackwardSums = function(layers, "batchnorm_backward_sums");
        batchnormBackwardApply = function(layers, "batchnorm_backward_apply");
        maxpoolForward = function(layers, "maxpool_forward");
        maxpoolBackward = function(layers, "maxpool_backward");
        maxpoolBackwardTiles = function(layers, "maxpool_backward_tiles");
        inputGradientSmall = function(layers, "input_gradient_small");
        inputGradientRgb3x3 = function(layers, "input_gradient_rgb3x3");
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
