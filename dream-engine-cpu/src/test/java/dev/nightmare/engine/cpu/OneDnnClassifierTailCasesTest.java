package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.dream.ClassifierTailCasesTest;
import java.util.Map;

/** Runs targeting tiny's avgpool and softmax on the `onednn` backend, held to the oracle. */
class OneDnnClassifierTailCasesTest extends ClassifierTailCasesTest {
    @Override
    protected Backend createBackend() {
        return new OneDnnBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
