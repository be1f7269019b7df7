package dev.nightmare.engine.tiling;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.reference.ReferenceBackend;

/** Exact tiling on the reference backend. */
class ReferenceTilingTest extends TilingContractTest {
    @Override
    protected Backend createBackend() {
        return new ReferenceBackend(2);
    }
}
