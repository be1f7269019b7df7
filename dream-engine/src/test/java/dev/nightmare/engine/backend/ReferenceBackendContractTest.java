package dev.nightmare.engine.backend;

import dev.nightmare.engine.backend.reference.ReferenceBackend;

/** The oracle against itself with several threads: checks the contract's own plumbing and thread-determinism. */
class ReferenceBackendContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new ReferenceBackend(3);
    }

    @Override
    protected double relativeTolerance() {
        return 0;
    }
}
