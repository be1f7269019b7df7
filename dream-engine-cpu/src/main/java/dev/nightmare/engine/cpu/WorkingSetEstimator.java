package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.NetworkSpec;

/**
 * What a CPU backend's convolutions hold natively for one job: the weights of layers {@code
 * 0..target} in the backend's layouts and the scratch their largest size needs. {@link
 * CpuBackend#estimateWorkingSet} adds the buffers and per-size preparations every CPU backend has.
 */
@FunctionalInterface
public interface WorkingSetEstimator {
    /** For the vector backend: its weights live on the Java heap, it has no native scratch. */
    WorkingSetEstimator NONE = (spec, target, width, height, octaves, threads) -> 0;

    /** For layers 0..target at the working sizes of {@code octaves} octaves of {@code width × height}. */
    long convolutionBytes(NetworkSpec spec, int target, int width, int height, int octaves, int threads);
}
