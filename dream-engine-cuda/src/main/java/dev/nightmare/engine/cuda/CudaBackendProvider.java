package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendProvider;
import java.util.Optional;

/**
 * Makes the GPU backend discoverable as {@code cuda}, preferred over every CPU backend (priority
 * 300). Probing loads the CUDA driver and cuDNN once per process; where either is missing it
 * reports why in one line instead of failing.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return CudaBackend.NAME;
    }

    @Override
    public int priority() {
        return 300;
    }

    @Override
    public Optional<String> unavailableReason() {
        return CudaRuntime.unavailableReason();
    }

    @Override
    public Backend create(BackendConfig config) {
        return new CudaBackend(CudaRuntime.get(), config);
    }
}
