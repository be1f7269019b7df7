package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendContractTest;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import java.util.Map;

/**
 * The oneDNN backend with Winograd F(4×4, 3×3) on every 3×3 stride-1 layer after the first (the
 * default needs 64 channels, which the contract's small models never have) held to the same
 * contract. {@code OneDnnBackendContractTest} covers {@code onednn.winograd=off} for these models.
 */
class OneDnnWinogradContractTest extends BackendContractTest {
    @Override
    protected Backend createBackend() {
        return new OneDnnBackendProvider()
                .create(new BackendConfig(2, Map.of("onednn.winograd", "on", "onednn.winogradMinChannels", "1")));
    }
}
