package dev.nightmare.contracts;

import dev.nightmare.engine.dream.RunInfo;

/**
 * What reproduces a run (the engine's {@link RunInfo}) in its JSON form: with the same input,
 * options and these values, the same backend gives bit-identical images.
 *
 * @param rng {@code seeded} or {@code darknet}
 */
public record RunDetails(
        String engineVersion, String backend, String device, String rng, long seed, String model, String modelSha256) {

    public static RunDetails fromEngine(RunInfo info) {
        return new RunDetails(
                info.engineVersion(),
                info.backend(),
                info.device(),
                info.randomMode().cliName(),
                info.seed(),
                info.model(),
                info.modelSha256());
    }
}
