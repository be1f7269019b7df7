package dev.nightmare.engine.cuda;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Picks a cuDNN convolution algorithm from cuDNN's heuristic ranking ({@code *_v7}), never by
 * timing, so the same GPU, cuDNN and shape always give the same choice: the first candidate that
 * succeeded, is deterministic, is in the allowed set and fits the workspace limit.
 */
final class AlgorithmChoice {
    private AlgorithmChoice() {}

    /** cudnnDeterminism_t: CUDNN_DETERMINISTIC. */
    static final int DETERMINISTIC = 1;

    /** cudnnMathType_t. */
    static final int DEFAULT_MATH = 0;

    static final int FMA_MATH = 3;

    /** cudnnConvolutionFwdAlgo_t: IMPLICIT_GEMM, IMPLICIT_PRECOMP_GEMM, GEMM, DIRECT. */
    static final Set<Integer> FORWARD_GEMM = Set.of(0, 1, 2, 3);

    /** cudnnConvolutionBwdDataAlgo_t ALGO_1 (ALGO_0 uses atomics: not deterministic). */
    static final Set<Integer> BACKWARD_DATA_GEMM = Set.of(1);

    /** What cuDNN's heuristic said about one algorithm. */
    record Candidate(int algorithm, int status, long workspaceBytes, int determinism, int mathType) {}

    /**
     * The first acceptable candidate in cuDNN's order.
     *
     * @param allowed algorithm numbers allowed (null: any)
     * @param workspaceLimitBytes largest workspace accepted
     */
    static Optional<Candidate> choose(List<Candidate> ranked, Set<Integer> allowed, long workspaceLimitBytes) {
        for (Candidate c : ranked) {
            if (c.status() == CudnnStatus.SUCCESS
                    && c.determinism() == DETERMINISTIC
                    && (allowed == null || allowed.contains(c.algorithm()))
                    && c.workspaceBytes() <= workspaceLimitBytes) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
