package dev.nightmare.engine.dream;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.random.RandomMode;

/**
 * What reproduces a run: with the same input, options and these values, the same backend gives
 * bit-identical images.
 */
public record RunInfo(
        String engineVersion,
        String backend,
        String device,
        RandomMode randomMode,
        long seed,
        String model,
        String modelSha256) {
    /** What reproduces a run of {@code options} with model version {@code modelSha256} on {@code backend}. */
    public static RunInfo of(Backend backend, NightmareOptions options, String model, String modelSha256) {
        return new RunInfo(
                EngineVersion.get(),
                backend.name(),
                backend.device(),
                options.randomMode(),
                options.seed(),
                model,
                modelSha256);
    }

    @Override
    public String toString() {
        return "seed=" + seed + " rng=" + randomMode.cliName() + " backend=" + backend + " (" + device + ") engine="
                + engineVersion + " model=" + model + " model-sha256=" + modelSha256;
    }
}
