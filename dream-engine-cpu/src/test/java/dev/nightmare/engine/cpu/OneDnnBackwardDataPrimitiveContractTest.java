package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendContractTest;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import java.util.Map;

/**
 * The oneDNN backend with {@code onednn.backwardData=onednn} (oneDNN's backward-data primitive
 * instead of the default forward convolution with transposed kernels) held to the same contract.
 */
class OneDnnBackwardDataPrimitiveContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new OneDnnBackendProvider().create(new BackendConfig(2, Map.of("onednn.backwardData", "onednn")));
    }
}
