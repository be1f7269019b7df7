package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendContractTest;
import dev.nightmare.engine.cpu.vector.VectorBackendProvider;
import java.util.Map;

/** The pure-Java Vector API backend held to the reference oracle by the engine's backend contract. */
class VectorBackendContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new VectorBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
