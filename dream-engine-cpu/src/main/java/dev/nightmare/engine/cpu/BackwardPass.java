package dev.nightmare.engine.cpu;

/**
 * The running gradient of one backward pass through a working size's layers, from the target's
 * output gradient (the caller's, left unchanged) to the planar input gradient. Between layers it
 * lives in one of the size's two scratch buffers: a layer reads it there, may rework it in place,
 * and leaves the gradient with respect to its input in the other buffer.
 */
final class BackwardPass {
    private final WorkingSize.Bound size;
    private CpuTensor gradient;
    /** The scratch buffer holding {@link #gradient}; −1: the caller's output gradient. */
    private int buffer = -1;
    /** Whether the layer that filled the gradient also applied the activation derivative below it. */
    private boolean activated;
    /** Whether layer 0 wrote the planar input gradient itself. */
    private boolean finished;

    BackwardPass(WorkingSize.Bound size, CpuTensor outputGradient) {
        this.size = size;
        this.gradient = outputGradient;
    }

    /** dLoss/d(output) of the layer being passed back through: blocked, in that layer's output shape. */
    CpuTensor gradient() {
        return gradient;
    }

    /**
     * Whether {@link #gradient()} is already through the activation derivative of the layer it belongs
     * to (a maxpool above a convolution applies it while routing).
     */
    boolean activated() {
        return activated;
    }

    /**
     * Where {@code layer} may rework its gradient in place: the gradient's own scratch buffer, or, when
     * the gradient is the caller's, the first scratch buffer, which then holds it.
     */
    CpuTensor inPlace(int layer) {
        if (buffer < 0) {
            buffer = 0;
        }
        return size.scratch(buffer, layer);
    }

    /**
     * The next gradient, dLoss/d(output of layer {@code below}) (−1: the input), in the scratch buffer
     * the current one is not in; {@code activated}: its writer applies {@code below}'s activation
     * derivative too.
     */
    CpuTensor next(int below, boolean activated) {
        buffer = buffer < 0 ? 0 : 1 - buffer;
        gradient = size.scratch(buffer, below);
        this.activated = activated;
        return gradient;
    }

    /** The planar input gradient, for a layer 0 that writes it itself: the pass ends there. */
    CpuTensor inputGradient() {
        finished = true;
        return size.inputGradient;
    }

    /** Ends the pass: the last gradient converted into the planar input gradient, unless layer 0 wrote it. */
    void finish(LayerKernels kernels) {
        if (!finished) {
            kernels.convert(gradient, size.inputGradient);
        }
    }
}
