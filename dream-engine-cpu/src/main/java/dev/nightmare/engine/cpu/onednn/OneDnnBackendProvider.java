package dev.nightmare.engine.cpu.onednn;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.cpu.CpuBackend;
import java.util.Optional;

/**
 * The oneDNN backend ({@code --backend onednn}, priority 200): direct convolutions from oneDNN
 * through {@code org.bytedeco:dnnl}, everything else in Vector API kernels. Unavailable, with the
 * reason, where the bundled natives cannot load (only linux-x86_64 ships).
 */
public final class OneDnnBackendProvider implements BackendProvider {
    public static final String NAME = "onednn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 200;
    }

    @Override
    public Optional<String> unavailableReason() {
        return OneDnnRuntime.load(BackendConfig.defaults().threads());
    }

    @Override
    public Backend create(BackendConfig config) {
        OneDnnRuntime runtime = new OneDnnRuntime(config.threads());
        String device = "oneDNN " + OneDnnRuntime.version() + " on the CPU, " + config.threads() + " thread"
                + (config.threads() == 1 ? "" : "s");
        return new CpuBackend(
                NAME, device, config.threads(), (model, workers) -> new OneDnnConvolutions(runtime, model), runtime);
    }
}
