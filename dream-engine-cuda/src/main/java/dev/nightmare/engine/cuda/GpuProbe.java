package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import java.util.Optional;

/**
 * Says whether the CUDA backend can run here and on what (the GPU check's first stage): prints the
 * device line, or the reason it cannot run and exits 1.
 */
public final class GpuProbe {
    private GpuProbe() {}

    public static void main(String[] args) {
        Optional<String> reason = new CudaBackendProvider().unavailableReason();
        if (reason.isPresent()) {
            System.out.println("cuda backend unavailable: " + reason.get());
            System.exit(1);
        }
        System.out.println("cuDNN: " + CudaRuntime.get().cudnn.how());
        try (Backend backend = new CudaBackendProvider().create(BackendConfig.defaults())) {
            System.out.println("cuda backend on " + backend.device());
        }
    }
}
