package dev.nightmare.engine.dream;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.reference.ReferenceBackend;

/** darknet's goldens on the oracle itself. */
class ReferenceGoldenCasesTest extends GoldenCasesTest {
    @Override
    protected Backend createBackend() {
        return new ReferenceBackend(Runtime.getRuntime().availableProcessors());
    }
}
