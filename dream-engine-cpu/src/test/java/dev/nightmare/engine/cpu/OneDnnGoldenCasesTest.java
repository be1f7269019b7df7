package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.dream.GoldenCasesTest;
import java.util.Map;

/**
 * darknet's golden outputs reproduced on the `onednn` backend at the golden README's tolerances: the
 * base class runs its sessions in darknet's forward arithmetic, which {@link DarknetConvolutions}
 * makes bit-identical to the reference's forward.
 */
class OneDnnGoldenCasesTest extends GoldenCasesTest {
    @Override
    protected Backend createBackend() {
        return new OneDnnBackendProvider().create(new BackendConfig(2, Map.of()));
    }
}
