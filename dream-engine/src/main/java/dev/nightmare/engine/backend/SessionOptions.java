package dev.nightmare.engine.backend;

/**
 * How a session computes what is a choice rather than a fact.
 *
 * @param batchNormGradient the batch-norm backward formula (darknet's by default)
 */
public record SessionOptions(BatchNormGradient batchNormGradient) {
    public static final SessionOptions DEFAULT = new SessionOptions(BatchNormGradient.DARKNET);
}
