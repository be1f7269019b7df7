package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.model.Shape;

/**
 * Layers 0..target at one working size: a view of that size's {@link WorkingSize} plus this
 * target's output gradient. Input and input gradient are planar; output and output gradient are
 * blocked.
 */
final class CpuStack implements LayerStack {
    final int targetLayer;
    final WorkingSize size;
    final CpuTensor outputGradient;

    CpuStack(int targetLayer, WorkingSize size) {
        this.targetLayer = targetLayer;
        this.size = size;
        this.outputGradient = CpuTensor.allocate(size.shapes.get(targetLayer), Layout.BLOCKED);
    }

    @Override
    public int targetLayer() {
        return targetLayer;
    }

    @Override
    public Shape inputShape() {
        return size.inputShape;
    }

    @Override
    public Shape outputShape() {
        return size.shapes.get(targetLayer);
    }

    @Override
    public CpuTensor input() {
        return size.input;
    }

    @Override
    public CpuTensor output() {
        return size.layers[targetLayer].output();
    }

    @Override
    public CpuTensor outputGradient() {
        return outputGradient;
    }

    @Override
    public CpuTensor inputGradient() {
        return size.inputGradient;
    }
}
