package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendContractTest;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import java.util.Map;

/** The oneDNN backend (defaults: backward-data as transposed forward convolutions) held to the reference oracle. */
class OneDnnBackendContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new OneDnnBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
