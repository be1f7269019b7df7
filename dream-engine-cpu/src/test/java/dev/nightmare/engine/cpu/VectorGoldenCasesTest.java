package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.cpu.vector.VectorBackendProvider;
import dev.nightmare.engine.dream.GoldenCasesTest;
import java.util.Map;

/**
 * darknet's golden outputs reproduced on the `vector` backend at the golden README's tolerances: the
 * base class runs its sessions in darknet's forward arithmetic, which {@link DarknetConvolutions}
 * makes bit-identical to the reference's forward.
 */
class VectorGoldenCasesTest extends GoldenCasesTest {
    @Override
    protected Backend createBackend() {
        return new VectorBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
