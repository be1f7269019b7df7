package dev.nightmare.engine.cpu.vector;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.cpu.CpuBackend;
import dev.nightmare.engine.cpu.Vectors;
import dev.nightmare.engine.cpu.WorkingSetEstimator;
import java.util.Optional;

/**
 * The pure-Java Vector API backend ({@code --backend vector}, priority 100): where oneDNN's natives
 * cannot load (another OS or architecture), it runs the same blocked-layout session with Java
 * direct convolutions. Needs {@code --add-modules jdk.incubator.vector}.
 */
public final class VectorBackendProvider implements BackendProvider {
    public static final String NAME = "vector";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            return Vectors.LANES > 0 ? Optional.empty() : Optional.of("no float vector species");
        } catch (LinkageError e) {
            return Optional.of(
                    "the Vector API is not enabled (run java with --add-modules jdk.incubator.vector): " + e);
        }
    }

    @Override
    public Backend create(BackendConfig config) {
        String device = "Java Vector API (" + Vectors.LANES * 32 + "-bit), " + config.threads() + " thread"
                + (config.threads() == 1 ? "" : "s");
        return new CpuBackend(
                NAME,
                device,
                config.threads(),
                (model, workers, account, kernels) -> new VectorConvolutions(model, workers),
                WorkingSetEstimator.NONE,
                CpuBackend.budget(config),
                CpuBackend.keepPreparations(config),
                0,
                CpuBackend.kernels(config),
                null);
    }
}
