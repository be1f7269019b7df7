package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendContractTest;

/**
 * The GPU backend held to the oracle, step by step, at the contract's default tolerance (FP32, so
 * cuDNN's summation order is the only difference), including bit-identical repeated runs. {@link
 * GpuTest} skips it with the reason where no GPU can be used, before the base class's set-up (an
 * assumption failing inside {@link #createBackend()} would leave the base class's oracle unset).
 */
@GpuTest
class CudaBackendContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new CudaBackendProvider().create(BackendConfig.defaults());
    }
}
