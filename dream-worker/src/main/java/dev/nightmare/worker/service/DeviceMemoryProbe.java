package dev.nightmare.worker.service;

import dev.nightmare.engine.backend.Backend;

/**
 * Samples device memory after each round, on the job's thread (where a GPU backend's context is
 * current). {@link #NONE} for CPU-only workers.
 */
@FunctionalInterface
public interface DeviceMemoryProbe {
    DeviceMemoryProbe NONE = backend -> {};

    void sample(Backend backend);
}
