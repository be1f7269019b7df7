package dev.nightmare.engine.cuda;

import static jcuda.jcudnn.JCudnn.cudnnConvolutionBackwardData;
import static jcuda.jcudnn.JCudnn.cudnnConvolutionForward;
import static jcuda.jcudnn.JCudnn.cudnnCreateConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyTensorDescriptor;
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
    final int forwardAlgorithm;
    final int backwardDataAlgorithm;
    final long forwardWorkspace;
    final long backwardDataWorkspace;

    ConvolutionPlan(
            CudaRuntime runtime,
            cudnnHandle handle,
            cudnnFilterDescriptor filter,
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
            cudnnConvolutionFwdAlgoPerf[] fwd = new cudnnConvolutionFwdAlgoPerf[FORWARD_ALGORITHMS];
            for (int i = 0; i < fwd.length; i++) {
                fwd[i] = new cudnnConvolutionFwdAlgoPerf();
            }
            int[] returned = new int[1];
            runtime.check(
                    cudnnGetConvolutionForwardAlgorithm_v7(
                            handle, input, filter, forward, output, fwd.length, returned, fwd),
                    "cudnnGetConvolutionForwardAlgorithm_v7");
            List<AlgorithmChoice.Candidate> forwardRanked = new ArrayList<>();
            for (int i = 0; i < returned[0]; i++) {
                forwardRanked.add(new AlgorithmChoice.Candidate(
                        fwd[i].algo, fwd[i].status, fwd[i].memory, fwd[i].determinism, fwd[i].mathType));
            }
            Optional<AlgorithmChoice.Candidate> forwardChoice = AlgorithmChoice.choose(
                    forwardRanked,
                    options.anyAlgorithm() ? null : AlgorithmChoice.FORWARD_GEMM,
                    options.workspaceLimitBytes());
            int forwardAlgo =
                    forwardChoice.map(AlgorithmChoice.Candidate::algorithm).orElse(FORWARD_FALLBACK);
            if (options.tf32() && forwardChoice.isPresent()) {
                // The ranking's math type may differ from the descriptor's; use the one it ranked.
                runtime.check(
                        cudnnSetConvolutionMathType(forward, forwardChoice.get().mathType()),
                        "cudnnSetConvolutionMathType");
            }
            long[] bytes = new long[1];
            runtime.check(
                    cudnnGetConvolutionForwardWorkspaceSize(handle, input, filter, forward, output, forwardAlgo, bytes),
                    "cudnnGetConvolutionForwardWorkspaceSize");
            this.forwardAlgorithm = forwardAlgo;
            this.forwardWorkspace = bytes[0];

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

    /** dx = conv backward-data(dy) (overwrites dx). */
    void backwardData(
            CudaRuntime runtime,
            cudnnHandle handle,
            DeviceBuffer dy,
            cudnnFilterDescriptor filter,
            DeviceBuffer kernels,
            DeviceBuffer workspace,
            DeviceBuffer dx) {
        runtime.check(
                cudnnConvolutionBackwardData(
                        handle,
                        ONE,
                        filter,
                        kernels.pointer,
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

    String describe() {
        return "fwd algo " + forwardAlgorithm + " (" + StackMemory.size(forwardWorkspace) + "), bwd-data algo "
                + backwardDataAlgorithm + " (" + StackMemory.size(backwardDataWorkspace) + ")";
    }

    @Override
    public void close() {
        cudnnDestroyTensorDescriptor(input);
        cudnnDestroyTensorDescriptor(output);
        cudnnDestroyConvolutionDescriptor(forward);
        cudnnDestroyConvolutionDescriptor(backwardData);
    }
}
