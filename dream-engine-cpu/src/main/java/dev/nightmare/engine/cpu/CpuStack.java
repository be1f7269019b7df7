package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.model.Shape;

/**
 * Layers 0..target at one working size: a key to that size's {@link WorkingSize} in its session.
 * The tensors are the size's current buffers in the session's pool, found (and bound, or prepared
 * again after the session's cache dropped the size) on each use. Input and input gradient are
 * planar; output and output gradient are blocked.
 */
final class CpuStack implements LayerStack {
    final int targetLayer;
    final int width;
    final int height;
    private final CpuSession session;
    private final Shape inputShape;
    private final Shape outputShape;

    CpuStack(CpuSession session, int targetLayer, WorkingSize size) {
        this.session = session;
        this.targetLayer = targetLayer;
        this.width = size.width;
        this.height = size.height;
        this.inputShape = size.inputShape;
        this.outputShape = size.shapes.get(targetLayer);
    }

    /** The size's buffers, bound now. */
    WorkingSize.Bound bound() {
        return session.bound(this);
    }

    @Override
    public int targetLayer() {
        return targetLayer;
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    @Override
    public Shape outputShape() {
        return outputShape;
    }

    @Override
    public CpuTensor input() {
        return bound().input;
    }

    @Override
    public CpuTensor output() {
        return bound().layers[targetLayer].output();
    }

    @Override
    public CpuTensor outputGradient() {
        return bound().outputGradient(targetLayer);
    }

    @Override
    public CpuTensor inputGradient() {
        return bound().inputGradient;
    }
}
