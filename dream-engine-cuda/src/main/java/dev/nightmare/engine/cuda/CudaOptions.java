package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.BackendConfig;

/**
 * The backend's settings, read from {@link BackendConfig} properties.
 *
 * @param device CUDA device ordinal ({@code cuda.device}, default 0)
 * @param tf32 allow tensor-core TF32 in convolutions ({@code cuda.tf32}, default false: FP32 with
 *     {@code CUDNN_FMA_MATH}, as the goldens need)
 * @param anyAlgorithm allow every deterministic cuDNN algorithm, Winograd and FFT included ({@code
 *     cuda.algorithms=any}); the default {@code gemm} keeps to the GEMM/direct family, whose
 *     rounding stays close to the reference
 * @param workspaceLimitBytes largest cuDNN workspace an algorithm may ask for ({@code
 *     cuda.workspaceMiB}, default 1024)
 * @param fastBackwardData {@code cuda.backwardData=fast} (the default): a stride-1 convolution's
 *     backward-data runs as a forward convolution of the output gradient with the transposed,
 *     flipped kernels, and the first layer's image gradient (≤ 4 channels) as Nightmare's own
 *     kernel; {@code cudnn}: cuDNN's backward-data algorithms throughout. On an H100 cuDNN's
 *     forward kernels are 1.2–1.6× faster than its deterministic backward-data ones for VGG's
 *     shapes (docs/benchmarks.md, GPU profile).
 */
record CudaOptions(int device, boolean tf32, boolean anyAlgorithm, long workspaceLimitBytes, boolean fastBackwardData) {
    static final String DEVICE = "cuda.device";
    static final String TF32 = "cuda.tf32";
    static final String ALGORITHMS = "cuda.algorithms";
    static final String WORKSPACE_MIB = "cuda.workspaceMiB";
    static final String BACKWARD_DATA = "cuda.backwardData";

    static CudaOptions from(BackendConfig config) {
        int device = integer(config, DEVICE, "0");
        if (device < 0) {
            throw new IllegalArgumentException(DEVICE + " must be a device ordinal ≥ 0, got " + device);
        }
        String tf32 = config.property(TF32, "false");
        if (!tf32.equals("true") && !tf32.equals("false")) {
            throw new IllegalArgumentException(TF32 + " must be true or false, got '" + tf32 + "'");
        }
        String algorithms = config.property(ALGORITHMS, "gemm");
        if (!algorithms.equals("gemm") && !algorithms.equals("any")) {
            throw new IllegalArgumentException(ALGORITHMS + " must be gemm or any, got '" + algorithms + "'");
        }
        int workspaceMiB = integer(config, WORKSPACE_MIB, "1024");
        if (workspaceMiB < 0) {
            throw new IllegalArgumentException(WORKSPACE_MIB + " must be ≥ 0, got " + workspaceMiB);
        }
        String backwardData = config.property(BACKWARD_DATA, "fast");
        if (!backwardData.equals("fast") && !backwardData.equals("cudnn")) {
            throw new IllegalArgumentException(BACKWARD_DATA + " must be fast or cudnn, got '" + backwardData + "'");
        }
        return new CudaOptions(
                device,
                tf32.equals("true"),
                algorithms.equals("any"),
                workspaceMiB * (1L << 20),
                backwardData.equals("fast"));
    }

    private static int integer(BackendConfig config, String key, String fallback) {
        String value = config.property(key, fallback);
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + value + "'", e);
        }
    }

    /** For logs: FP32 or TF32, and the algorithm family. */
    String precision() {
        return (tf32 ? "TF32" : "FP32") + (anyAlgorithm ? ", any algorithm" : "");
    }
}
