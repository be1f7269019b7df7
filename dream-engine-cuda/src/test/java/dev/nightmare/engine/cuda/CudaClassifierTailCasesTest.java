package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.dream.ClassifierTailCasesTest;

/**
 * Runs targeting tiny's avgpool and softmax on the GPU, held to the oracle; {@link GpuTest} skips
 * it with the reason where no GPU can be used.
 */
@GpuTest
class CudaClassifierTailCasesTest extends ClassifierTailCasesTest {
    @Override
    protected Backend createBackend() {
        return new CudaBackendProvider().create(BackendConfig.defaults());
    }
}
