package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.cpu.vector.VectorBackendProvider;
import dev.nightmare.engine.dream.ClassifierTailCasesTest;
import java.util.Map;

/** Runs targeting tiny's avgpool and softmax on the `vector` backend, held to the oracle. */
class VectorClassifierTailCasesTest extends ClassifierTailCasesTest {
    @Override
    protected Backend createBackend() {
        return new VectorBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
