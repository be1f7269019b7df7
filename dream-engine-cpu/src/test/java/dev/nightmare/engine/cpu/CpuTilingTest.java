package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.tiling.TilingContractTest;
import java.util.Map;

/** Exact tiling on the CPU backend (oneDNN and the Vector API kernels, as it runs by default). */
class CpuTilingTest extends TilingContractTest {
    @Override
    protected Backend createBackend() {
        return new OneDnnBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
