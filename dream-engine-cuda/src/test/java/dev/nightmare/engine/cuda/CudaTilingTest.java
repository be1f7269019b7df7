package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.tiling.TilingContractTest;

/** Exact tiling on the GPU backend; {@link GpuTest} skips it with the reason where no GPU can be used. */
@GpuTest
class CudaTilingTest extends TilingContractTest {
    @Override
    protected Backend createBackend() {
        return new CudaBackendProvider().create(BackendConfig.defaults());
    }
}
