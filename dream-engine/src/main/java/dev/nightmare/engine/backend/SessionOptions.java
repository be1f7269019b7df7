package dev.nightmare.engine.backend;

/**
 * How a session computes what is a choice rather than a fact.
 *
 * @param batchNormGradient the batch-norm backward formula (darknet's by default)
 * @param forwardArithmetic the forward pass's rounding: fastest by default, or darknet's exactly
 */
public record SessionOptions(BatchNormGradient batchNormGradient, ForwardArithmetic forwardArithmetic) {
    public static final SessionOptions DEFAULT = new SessionOptions(BatchNormGradient.DARKNET, ForwardArithmetic.FAST);

    /** darknet's batch-norm gradient and darknet's forward arithmetic: what the goldens are compared with. */
    public static final SessionOptions DARKNET =
            new SessionOptions(BatchNormGradient.DARKNET, ForwardArithmetic.DARKNET);

    public SessionOptions(BatchNormGradient batchNormGradient) {
        this(batchNormGradient, ForwardArithmetic.FAST);
    }

    public SessionOptions withForwardArithmetic(ForwardArithmetic arithmetic) {
        return new SessionOptions(batchNormGradient, arithmetic);
    }
}
