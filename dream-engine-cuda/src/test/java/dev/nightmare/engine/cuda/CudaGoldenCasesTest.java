package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.dream.GoldenCasesTest;

/**
 * darknet's golden outputs reproduced on the GPU (FP32), at the golden README's tolerances.
 * {@link GpuTest} skips the class before its set-up where no GPU can be used (the base class opens
 * the backend in its own {@code @BeforeAll}).
 */
@GpuTest
class CudaGoldenCasesTest extends GoldenCasesTest {
    @Override
    protected Backend createBackend() {
        return new CudaBackendProvider().create(BackendConfig.defaults());
    }
}
