package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Shape;

/**
 * The convolutions of one model: the only part in which the CPU backends differ. Prepared once per
 * (layer, working size) and reused every iteration; weights are packed once per model.
 */
public interface Convolutions extends AutoCloseable {
    /**
     * Prepares layer {@code layer} for an input of shape {@code in} in {@code inLayout} (planar only
     * for the network input), giving a blocked output of shape {@code out}.
     *
     * @param biasAndActivation whether forward adds the bias and applies the activation (false for
     *     batch-normalised layers, whose raw output the backward pass needs)
     */
    Convolution prepare(int layer, Shape in, Layout inLayout, Shape out, boolean biasAndActivation);

    @Override
    void close();

    /** One layer at one working size. */
    interface Convolution {
        /** Overwrites {@code dst} (blocked) with the convolution of {@code src} (+ bias, activation if so prepared). */
        void forward(CpuTensor src, CpuTensor dst);

        /** Overwrites {@code gradIn} (blocked, the input's shape) with dLoss/dInput, given dLoss/dz. */
        void backwardData(CpuTensor gradOut, CpuTensor gradIn);
    }
}
