package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.cuda.AlgorithmChoice.Candidate;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlgorithmChoiceTest {
    private static final int OK = 0;
    private static final int NOT_SUPPORTED = 9;
    private static final int FMA = AlgorithmChoice.FMA_MATH;

    @Test
    void firstDeterministicAllowedCandidateWinsInCudnnsOrder() {
        List<Candidate> ranked = List.of(
                new Candidate(6, OK, 0, AlgorithmChoice.DETERMINISTIC, FMA), // Winograd: not in the GEMM set
                new Candidate(1, OK, 1 << 20, AlgorithmChoice.DETERMINISTIC, FMA),
                new Candidate(0, OK, 0, AlgorithmChoice.DETERMINISTIC, FMA));
        assertThat(AlgorithmChoice.choose(ranked, AlgorithmChoice.FORWARD_GEMM, 1L << 30))
                .map(Candidate::algorithm)
                .contains(1);
        assertThat(AlgorithmChoice.choose(ranked, null, 1L << 30))
                .as("any algorithm allowed")
                .map(Candidate::algorithm)
                .contains(6);
    }

    @Test
    void skipsFailedNonDeterministicAndOversizedCandidates() {
        List<Candidate> ranked = List.of(
                new Candidate(0, OK, 0, 0, FMA), // backward-data ALGO_0: atomics, not deterministic
                new Candidate(1, NOT_SUPPORTED, 0, AlgorithmChoice.DETERMINISTIC, FMA),
                new Candidate(1, OK, 2L << 30, AlgorithmChoice.DETERMINISTIC, FMA),
                new Candidate(1, OK, 1 << 10, AlgorithmChoice.DETERMINISTIC, FMA));
        assertThat(AlgorithmChoice.choose(ranked, AlgorithmChoice.BACKWARD_DATA_GEMM, 1L << 30))
                .map(Candidate::workspaceBytes)
                .contains(1L << 10);
    }

    @Test
    void nothingAcceptableGivesEmpty() {
        List<Candidate> ranked = List.of(new Candidate(0, OK, 0, 0, FMA));
        assertThat(AlgorithmChoice.choose(ranked, null, 0)).isEmpty();
    }
}
