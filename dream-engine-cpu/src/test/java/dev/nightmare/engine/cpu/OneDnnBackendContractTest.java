package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendContractTest;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import java.util.Map;

/** The oneDNN backend held to the reference oracle by the engine's backend contract. */
class OneDnnBackendContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new OneDnnBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
