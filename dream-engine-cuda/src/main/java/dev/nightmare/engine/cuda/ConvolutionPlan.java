package dev.nightmare.engine.cuda;

import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardData;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionForward;
import static jcuda.jcudnn.JCudnn.cudnnCreateConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionBackwardDataAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnFindConvolutionForwardAlgorithm;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolution2dForwardOutputDim;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionBackwardDataWorkspaceSize;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionForwardAlgorithm_v7;
import static jcuda.jcudnn.JCudnn.cudnnGetConvolutionForwardWorkspaceSize;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolution2dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionMathType;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptor;

import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jcuda.Pointer;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;

/**
 * cuDNN state for one convolutional layer at one input size: the input/output tensor descriptors,
 * one convolution descriptor each for forward and backward-data (their math types may differ), and
 * the algorithms chosen once by {@link AlgorithmChoice} from cuDNN's heuristic ranking, with their
 * workspace sizes. Darknet's convolution is a cross-correlation with zero padding, which is
 * cuDNN's {@code CUDNN_CROSS_CORRELATION}.
 */
final class ConvolutionPlan implements AutoCloseable {
    // cuDNN enums (the same numbers in cuDNN 8 and 9).
    private static final int TENSOR_NCHW = 0;
    private static final int DATA_FLOAT = 0;
    private static final int CROSS_CORRELATION = 1;
    private static final int FORWARD_ALGORITHMS = 8;
    private static final int BACKWARD_DATA_ALGORITHMS = 6;
    /** Used when the heuristic offers nothing acceptable: IMPLICIT_GEMM needs no workspace. */
    private static final int FORWARD_FALLBACK = 0;
    /** Deterministic backward-data algorithm supported for every float NCHW shape. */
    private static final int BACKWARD_DATA_FALLBACK = 1;

    private static final Pointer ONE = Pointer.to(new float[] {1f});
    private static final Pointer ZERO = Pointer.to(new float[] {0f});

    final cudnnTensorDescriptor input = new cudnnTensorDescriptor();
    final cudnnTensorDescriptor output = new cudnnTensorDescriptor();
    private final cudnnConvolutionDescriptor forward = new cudnnConvolutionDescriptor();
    private final cudnnConvolutionDescriptor backwardData = new cudnnConvolutionDescriptor();
    /** Backward-data as a forward convolution with the transposed kernels (when {@link #backwardAsForward}). */
    private final cudnnConvolutionDescriptor transposed = new cudnnConvolutionDescriptor();

    private boolean transposedCreated;
    final int forwardAlgorithm;
    /** Whether backward-data runs as a forward convolution; {@link #backwardDataAlgorithm} is then a forward algorithm. */
    final boolean backwardAsForward;

    final int backwardDataAlgorithm;
    final long forwardWorkspace;
    final long backwardDataWorkspace;

    ConvolutionPlan(
            CudaRuntime runtime,
            cudnnHandle handle,
            cudnnFilterDescriptor filter,
            cudnnFilterDescriptor transposedFilter,
            ConvolutionalSpec conv,
            Shape in,
            Shape out,
            CudaOptions options) {
        runtime.check(cudnnCreateTensorDescriptor(input), "cudnnCreateTensorDescriptor");
        runtime.check(cudnnCreateTensorDescriptor(output), "cudnnCreateTensorDescriptor");
        runtime.check(cudnnCreateConvolutionDescriptor(forward), "cudnnCreateConvolutionDescriptor");
        runtime.check(cudnnCreateConvolutionDescriptor(backwardData), "cudnnCreateConvolutionDescriptor");
        try {
            runtime.check(
                    cudnnSetTensor4dDescriptor(
                            input, TENSOR_NCHW, DATA_FLOAT, 1, in.channels(), in.height(), in.width()),
                    "cudnnSetTensor4dDescriptor");
            runtime.check(
                    cudnnSetTensor4dDescriptor(
                            output, TENSOR_NCHW, DATA_FLOAT, 1, out.channels(), out.height(), out.width()),
                    "cudnnSetTensor4dDescriptor");
            // FP32: CUDNN_FMA_MATH forbids tensor cores (cuDNN would otherwise use TF32 on Ampere+).
            int math = options.tf32() ? AlgorithmChoice.DEFAULT_MATH : AlgorithmChoice.FMA_MATH;
            for (cudnnConvolutionDescriptor d : List.of(forward, backwardData)) {
                int p = conv.padding();
                int s = conv.stride();
                runtime.check(
                        cudnnSetConvolution2dDescriptor(d, p, p, s, s, 1, 1, CROSS_CORRELATION, DATA_FLOAT),
                        "cudnnSetConvolution2dDescriptor");
                runtime.check(cudnnSetConvolutionMathType(d, math), "cudnnSetConvolutionMathType");
            }
            int[] n = new int[1], c = new int[1], h = new int[1], w = new int[1];
            runtime.check(
                    cudnnGetConvolution2dForwardOutputDim(forward, input, filter, n, c, h, w),
                    "cudnnGetConvolution2dForwardOutputDim");
            if (c[0] != out.channels() || h[0] != out.height() || w[0] != out.width()) {
                throw new IllegalStateException("cuDNN computes a " + c[0] + "×" + h[0] + "×" + w[0] + " output for "
                        + in + " where darknet's rule gives " + out);
            }

            // Forward: cuDNN's heuristic ranking, filtered; never timed, so always the same choice.
            long[] chosen = chooseForward(runtime, handle, input, filter, forward, output, options);
            this.forwardAlgorithm = (int) chosen[0];
            this.forwardWorkspace = chosen[1];

            if (transposedFilter != null) {
                // Backward-data as the forward convolution dy ⋆ transposed kernels, padding S−1−p
                // (LayerParameters.backwardAsForwardApplies): cuDNN's forward kernels are the fast ones.
                int p = conv.size() - 1 - conv.padding();
                runtime.check(cudnnCreateConvolutionDescriptor(transposed), "cudnnCreateConvolutionDescriptor");
                transposedCreated = true;
                runtime.check(
                        cudnnSetConvolution2dDescriptor(transposed, p, p, 1, 1, 1, 1, CROSS_CORRELATION, DATA_FLOAT),
                        "cudnnSetConvolution2dDescriptor");
                runtime.check(cudnnSetConvolutionMathType(transposed, math), "cudnnSetConvolutionMathType");
                chosen = chooseForward(runtime, handle, output, transposedFilter, transposed, input, options);
                this.backwardAsForward = true;
                this.backwardDataAlgorithm = (int) chosen[0];
                this.backwardDataWorkspace = chosen[1];
                return;
            }
            this.backwardAsForward = false;

            int[] returned = new int[1];
            long[] bytes = new long[1];
            cudnnConvolutionBwdDataAlgoPerf[] bwd = new cudnnConvolutionBwdDataAlgoPerf[BACKWARD_DATA_ALGORITHMS];
            for (int i = 0; i < bwd.length; i++) {
                bwd[i] = new cudnnConvolutionBwdDataAlgoPerf();
            }
            runtime.check(
                    cudnnGetConvolutionBackwardDataAlgorithm_v7(
                            handle, filter, output, backwardData, input, bwd.length, returned, bwd),
                    "cudnnGetConvolutionBackwardDataAlgorithm_v7");
            List<AlgorithmChoice.Candidate> backwardRanked = new ArrayList<>();
            for (int i = 0; i < returned[0]; i++) {
                backwardRanked.add(new AlgorithmChoice.Candidate(
                        bwd[i].algo, bwd[i].status, bwd[i].memory, bwd[i].determinism, bwd[i].mathType));
            }
            Set<Integer> allowed = options.anyAlgorithm() ? null : AlgorithmChoice.BACKWARD_DATA_GEMM;
            Optional<AlgorithmChoice.Candidate> backwardChoice =
                    AlgorithmChoice.choose(backwardRanked, allowed, options.workspaceLimitBytes());
            int backwardAlgo =
                    backwardChoice.map(AlgorithmChoice.Candidate::algorithm).orElse(BACKWARD_DATA_FALLBACK);
            if (options.tf32() && backwardChoice.isPresent()) {
                runtime.check(
                        cudnnSetConvolutionMathType(
                                backwardData, backwardChoice.get().mathType()),
                        "cudnnSetConvolutionMathType");
            }
            runtime.check(
                    cudnnGetConvolutionBackwardDataWorkspaceSize(
                            handle, filter, output, backwardData, input, backwardAlgo, bytes),
                    "cudnnGetConvolutionBackwardDataWorkspaceSize");
            this.backwardDataAlgorithm = backwardAlgo;
            this.backwardDataWorkspace = bytes[0];
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The forward algorithm for (x, w, convolution, y) from cuDNN's heuristic ranking, filtered by
     * {@link AlgorithmChoice}; sets the descriptor's math type to the ranked one under TF32.
     *
     * @return {algorithm, workspace bytes}
     */
    private static long[] chooseForward(
            CudaRuntime runtime,
            cudnnHandle handle,
            cudnnTensorDescriptor x,
            cudnnFilterDescriptor w,
            cudnnConvolutionDescriptor convolution,
            cudnnTensorDescriptor y,
            CudaOptions options) {
        cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[FORWARD_ALGORITHMS];
        for (int i = 0; i < fwd.length; i++) {
            fwd[i] = new cudnnConvolutionFwdAlgoPerf();
        }
        int[] returned = new int[1];
        runtime.check(
                cudnnGetConvolutionForwardAlgorithm_v7(handle, x, w, convolution, y, fwd.length, returned, fwd),
                "cudnnGetConvolutionForwardAlgorithm_v7");
        List<AlgorithmChoice.Candidate> ranked = new ArrayList<>();
        for (int i = 0; i < returned[0]; i++) {
            ranked.add(new AlgorithmChoice.Candidate(
                    fwd[i].algo, fwd[i].status, fwd[i].memory, fwd[i].determinism, fwd[i].mathType));
        }
        Optional<AlgorithmChoice.Candidate> choice = AlgorithmChoice.choose(
                ranked, options.anyAlgorithm() ? null : AlgorithmChoice.FORWARD_GEMM, options.workspaceLimitBytes());
        int algorithm = choice.map(AlgorithmChoice.Candidate::algorithm).orElse(FORWARD_FALLBACK);
        if (options.tf32() && choice.isPresent()) {
            // The ranking's math type may differ from the descriptor's; use the one it ranked.
            runtime.check(
                    cudnnSetConvolutionMathType(convolution, choice.get().mathType()), "cudnnSetConvolutionMathType");
        }
        long[] bytes = new long[1];
        runtime.check(
                cudnnGetConvolutionForwardWorkspaceSize(handle, x, w, convolution, y, algorithm, bytes),
                "cudnnGetConvolutionForwardWorkspaceSize");
        return new long[] {algorithm, bytes[0]};
    }

    long workspaceBytes() {
        return Math.max(forwardWorkspace, backwardDataWorkspace);
    }

    /** y = conv(x) (overwrites y). */
    void forward(
            CudaRuntime runtime,
            cudnnHandle handle,
            DeviceBuffer x,
            cudnnFilterDescriptor filter,
            DeviceBuffer kernels,
            DeviceBuffer workspace,
            DeviceBuffer y) {
        runtime.check(
                cudnnConvolutionForward(
                        handle,
                        ONE,
                        input,
                        x.pointer,
                        filter,
                        kernels.pointer,
                        forward,
                        forwardAlgorithm,
                        workspace.pointer,
                        workspace.bytes,
                        ZERO,
                        output,
                        y.pointer),
                "cudnnConvolutionForward");
    }

    /**
     * dx = conv backward-data(dy) (overwrites dx): cuDNN's backward-data, or the forward convolution
     * of dy with the layer's transposed kernels.
     */
    void backwardData(
            CudaRuntime runtime,
            cudnnHandle handle,
            DeviceBuffer dy,
            LayerParameters p,
            DeviceBuffer workspace,
            DeviceBuffer dx) {
        if (backwardAsForward) {
            runtime.check(
                    cudnnConvolutionForward(
                            handle,
                            ONE,
                            output,
                            dy.pointer,
                            p.transposedFilter,
                            p.transposedKernels.pointer,
                            transposed,
                            backwardDataAlgorithm,
                            workspace.pointer,
                            workspace.bytes,
                            ZERO,
                            input,
                            dx.pointer),
                    "cudnnConvolutionForward (backward-data)");
            return;
        }
        runtime.check(
                cudnnConvolutionBackwardData(
                        handle,
                        ONE,
                        p.filter,
                        p.kernels.pointer,
                        output,
                        dy.pointer,
                        backwardData,
                        backwardDataAlgorithm,
                        workspace.pointer,
                        workspace.bytes,
                        ZERO,
                        input,
                        dx.pointer),
                "cudnnConvolutionBackwardData");
    }

    /**
     * cuDNN's timed ranking ({@code cudnnFind*}) of every forward and backward-data algorithm for
     * this plan's descriptors, one line each: for the GPU profile only (timing is never used to
     * choose, see {@link AlgorithmChoice}).
     */
    static String timedRanking(
            cudnnHandle handle,
            cudnnTensorDescriptor input,
            cudnnFilterDescriptor filter,
            cudnnConvolutionDescriptor convolution,
            cudnnTensorDescriptor output) {
        StringBuilder sb = new StringBuilder();
        int[] returned = new int[1];
        cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[FORWARD_ALGORITHMS];
        for (int i = 0; i < fwd.length; i++) {
            fwd[i] = new cudnnConvolutionFwdAlgoPerf();
        }
        int status = cudnnFindConvolutionForwardAlgorithm(
                handle, input, filter, convolution, output, fwd.length, returned, fwd);
        sb.append("  forward (find status ").append(status).append(")\n");
        for (int i = 0; i < returned[0]; i++) {
            sb.append(
                    perf(fwd[i].algo, fwd[i].status, fwd[i].time, fwd[i].memory, fwd[i].determinism, fwd[i].mathType));
        }
        cudnnConvolutionBwdDataAlgoPerf[] bwd = new cudnnConvolutionBwdDataAlgoPerf[BACKWARD_DATA_ALGORITHMS];
        for (int i = 0; i < bwd.length; i++) {
            bwd[i] = new cudnnConvolutionBwdDataAlgoPerf();
        }
        status = cudnnFindConvolutionBackwardDataAlgorithm(
                handle, filter, output, convolution, input, bwd.length, returned, bwd);
        sb.append("  backward-data (find status ").append(status).append(")\n");
        for (int i = 0; i < returned[0]; i++) {
            sb.append(
                    perf(bwd[i].algo, bwd[i].status, bwd[i].time, bwd[i].memory, bwd[i].determinism, bwd[i].mathType));
        }
        return sb.toString();
    }

    private static String perf(int algo, int status, float ms, long memory, int determinism, int math) {
        return String.format(
                java.util.Locale.ROOT,
                "    algo %d status %d %.4f ms ws %s %s math %d%n",
                algo,
                status,
                ms,
                StackMemory.size(memory),
                determinism == AlgorithmChoice.DETERMINISTIC ? "deterministic" : "NON-deterministic",
                math);
    }

    /** {@link #timedRanking} for this plan's own (NCHW) descriptors. */
    String timedRanking(cudnnHandle handle, cudnnFilterDescriptor filter) {
        return timedRanking(handle, input, filter, forward, output);
    }

    /** {@link #timedRanking} of backward-data as a forward convolution (its forward part); "" when not used. */
    String transposedRanking(cudnnHandle handle, cudnnFilterDescriptor transposedFilter) {
        return backwardAsForward ? timedRanking(handle, output, transposedFilter, transposed, input) : "";
    }

    String describe() {
        return "fwd algo " + forwardAlgorithm + " (" + StackMemory.size(forwardWorkspace) + "), bwd-data "
                + (backwardAsForward ? "as fwd algo " : "algo ") + backwardDataAlgorithm + " ("
                + StackMemory.size(backwardDataWorkspace) + ")";
    }

    @Override
    public void close() {
        cudnnDestroyTensorDescriptor(input);
        cudnnDestroyTensorDescriptor(output);
        cudnnDestroyConvolutionDescriptor(forward);
        cudnnDestroyConvolutionDescriptor(backwardData);
        if (transposedCreated) {
            cudnnDestroyConvolutionDescriptor(transposed);
        }
    }
}
