package dev.nightmare.engine.backend;

/**
 * How a session's forward pass rounds. darknet's outputs are only reproducible to its own
 * tolerances by its own arithmetic: decisions near a tie (a maxpool argmax, a ReLU or leaky sign,
 * the loss threshold) flip under any other summation order and are amplified by later iterations
 * (the golden README's limits assume darknet's order; a 1-ulp difference in one activation moved
 * jnet11_dog_i1's mean deviation tenfold).
 */
public enum ForwardArithmetic {
    /** Whatever order and fused multiply-adds are fastest on the device; within 2e-5 of the oracle. */
    FAST,
    /**
     * darknet's arithmetic, bit-identical to the reference backend's forward: each convolution
     * output is summed from 0 over (channel, ky, kx) in that order with a separate float multiply
     * and add (darknet's im2col + gemm, no FMA), then the bias is added (or batch norm applied as
     * {@code (float)((z − m)/(sqrt(v) + 1e-6f))·s + b} with the division in double), then the
     * activation (leaky's {@code 0.1·x} in double). Slower; used for golden comparisons and
     * {@code --arithmetic darknet}.
     */
    DARKNET
}
