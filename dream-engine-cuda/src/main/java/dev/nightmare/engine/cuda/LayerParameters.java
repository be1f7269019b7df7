package dev.nightmare.engine.cuda;

import static jcuda.jcudnn.JCudnn.cudnnCreateFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetFilter4dDescriptor;

import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import jcuda.jcudnn.cudnnFilterDescriptor;

/**
 * One convolutional layer's parameters on the device, uploaded once per session: the kernels with
 * their cuDNN filter descriptor, the biases, for batch norm the per-channel constants the kernels
 * use, precomputed on the host exactly as the reference computes them, and for darknet's forward
 * arithmetic the kernels packed for {@code convolution_darknet}.
 */
final class LayerParameters implements AutoCloseable {
    /** Filters per thread of the {@code convolution_darknet} kernel (DARKNET_GROUP in layers.cu). */
    static final int DARKNET_GROUP = 8;

    private static final int DATA_FLOAT = 0;
    private static final int TENSOR_NCHW = 0;

    final cudnnFilterDescriptor filter = new cudnnFilterDescriptor();
    /**
     * The descriptor of {@link #transposedKernels} ({@code channels} filters of {@code filters}
     * channels); null when backward-data runs as cuDNN's backward-data.
     */
    final cudnnFilterDescriptor transposedFilter;
    /**
     * {@link ConvolutionalWeights#transposeFlipped}'s kernels, for backward-data as a forward convolution (stride-1 layers,
     * {@code cuda.backwardData=forward}); null otherwise.
     */
    final DeviceBuffer transposedKernels;
    /** (filters, channels, size, size) */
    final DeviceBuffer kernels;
    /** (filters) */
    final DeviceBuffer biases;
    /** (filters) rolling mean, null without batch norm */
    final DeviceBuffer mean;
    /** (filters) rolling variance */
    final DeviceBuffer variance;
    /** (filters) scales */
    final DeviceBuffer scales;
    /** (filters) double √v + 1e-6f: the forward's denominator, as the reference evaluates it */
    final DeviceBuffer denominator;
    /** (filters) float s/(√v + 1e-6f): {@code BatchNormGradient.EXACT}'s factor */
    final DeviceBuffer exactFactor;
    /** {@link #packDarknet}'s layout of the kernels, for darknet's forward arithmetic; null otherwise */
    final DeviceBuffer darknetKernels;

    final boolean batchNormalized;
    final int filters;

    /**
     * @param darknetForward whether the session runs darknet's forward arithmetic (uploads the packed kernels)
     * @param backwardAsForward whether backward-data may run as a forward convolution (uploads the
     *     transposed kernels where {@link #backwardAsForwardApplies} holds)
     */
    LayerParameters(
            CudaRuntime runtime,
            DeviceMemory memory,
            ConvolutionalSpec conv,
            int channels,
            ConvolutionalWeights w,
            boolean darknetForward,
            boolean backwardAsForward) {
        this.filters = conv.filters();
        this.batchNormalized = w.batchNormalized();
        String layer = "a " + conv.size() + "×" + conv.size() + " convolution's weights";
        runtime.check(cudnnCreateFilterDescriptor(filter), "cudnnCreateFilterDescriptor");
        runtime.check(
                cudnnSetFilter4dDescriptor(
                        filter, DATA_FLOAT, TENSOR_NCHW, conv.filters(), channels, conv.size(), conv.size()),
                "cudnnSetFilter4dDescriptor");
        kernels = upload(memory, w.kernels(), layer);
        if (backwardAsForward && backwardAsForwardApplies(conv)) {
            transposedFilter = new cudnnFilterDescriptor();
            runtime.check(cudnnCreateFilterDescriptor(transposedFilter), "cudnnCreateFilterDescriptor");
            runtime.check(
                    cudnnSetFilter4dDescriptor(
                            transposedFilter,
                            DATA_FLOAT,
                            TENSOR_NCHW,
                            channels,
                            conv.filters(),
                            conv.size(),
                            conv.size()),
                    "cudnnSetFilter4dDescriptor");
            transposedKernels = upload(
                    memory,
                    ConvolutionalWeights.transposeFlipped(w.kernels(), conv.filters(), channels, conv.size()),
                    layer);
        } else {
            transposedFilter = null;
            transposedKernels = null;
        }
        darknetKernels = darknetForward
                ? upload(memory, packDarknet(w.kernels(), conv.filters(), channels, conv.size()), layer)
                : null;
        biases = upload(memory, w.biases(), layer);
        if (batchNormalized) {
            mean = upload(memory, w.rollingMean(), layer);
            variance = upload(memory, w.rollingVariance(), layer);
            scales = upload(memory, w.scales(), layer);
            double[] den = new double[filters];
            float[] factor = new float[filters];
            for (int f = 0; f < filters; f++) {
                // The reference ConvolutionalLayer's biasAndActivate and activationAndBatchNormBackward, verbatim.
                den[f] = Math.sqrt(w.rollingVariance()[f]) + 0.000001f;
                factor[f] = (float) (w.scales()[f] / (Math.sqrt(w.rollingVariance()[f]) + 0.000001f));
            }
            denominator = memory.allocate((long) filters * Double.BYTES, layer);
            DeviceMemory.upload(denominator, den);
            exactFactor = upload(memory, factor, layer);
        } else {
            mean = null;
            variance = null;
            scales = null;
            denominator = null;
            exactFactor = null;
        }
    }

    /**
     * Whether backward-data of {@code conv} equals a forward convolution of the output gradient with
     * {@link ConvolutionalWeights#transposeFlipped}d kernels and padding {@code size − 1 − padding}: for stride 1, dx[c,y,x] =
     * Σ_f,i,j w[f,c,i,j]·dy[f, y+p−i, x+p−j] = Σ_f,i',j' w[f,c,S−1−i',S−1−j']·dy[f, y−p'+i', x−p'+j']
     * with i' = S−1−i and p' = S−1−p (a cross-correlation, zero outside dy), and its output has the
     * input's size: (H + 2p − S + 1) + 2p' − S + 1 = H.
     */
    static boolean backwardAsForwardApplies(ConvolutionalSpec conv) {
        return conv.stride() == 1 && conv.padding() <= conv.size() - 1;
    }

    /**
     * Kernels {@code [filter][c][ky][kx]} repacked as {@code [group][c][ky][kx][DARKNET_GROUP]}, group =
     * filter / DARKNET_GROUP: a thread's weights of one tap are two aligned float4s. Filters past the
     * last are zero.
     */
    static float[] packDarknet(float[] kernels, int filters, int channels, int size) {
        int taps = size * size;
        int groups = (filters + DARKNET_GROUP - 1) / DARKNET_GROUP;
        float[] packed = new float[groups * channels * taps * DARKNET_GROUP];
        for (int f = 0; f < filters; f++) {
            int g = f / DARKNET_GROUP, j = f % DARKNET_GROUP;
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < taps; t++) {
                    packed[((g * channels + c) * taps + t) * DARKNET_GROUP + j] =
                            kernels[(f * channels + c) * taps + t];
                }
            }
        }
        return packed;
    }

    private static DeviceBuffer upload(DeviceMemory memory, float[] values, String what) {
        DeviceBuffer buffer = memory.allocate((long) values.length * Float.BYTES, what);
        DeviceMemory.upload(buffer, values);
        return buffer;
    }

    @Override
    public void close() {
        cudnnDestroyFilterDescriptor(filter);
        if (transposedFilter != null) {
            cudnnDestroyFilterDescriptor(transposedFilter);
        }
        for (DeviceBuffer b : new DeviceBuffer[] {
            kernels, transposedKernels, darknetKernels, biases, mean, variance, scales, denominator, exactFactor
        }) {
            if (b != null) {
                b.close();
            }
        }
    }
}
