package dev.nightmare.engine.cuda;

import dev.nightmare.engine.model.SoftmaxSpec;
import jcuda.driver.JCudaDriver;

/**
 * darknet's softmax layer on the device: forward a softmax over each group (one thread per group,
 * in darknet's order); backward passes the gradient through unchanged, as darknet's {@code
 * backward_softmax_layer} does.
 */
final class SoftmaxLayer implements CudaLayer {
    private final int index;
    private final SoftmaxSpec softmax;
    private final LayerLaunches kernels;

    SoftmaxLayer(int index, SoftmaxSpec softmax, LayerLaunches kernels) {
        this.index = index;
        this.softmax = softmax;
        this.kernels = kernels;
    }

    @Override
    public void forward(CudaStack s, DeviceBuffer workspace) {
        kernels.softmaxForward(s.layerInput(index), s.outputs[index].buffer, s.shapes.get(index), softmax);
    }

    @Override
    public boolean backward(
            CudaStack s,
            DeviceBuffer delta,
            DeviceBuffer inputDelta,
            boolean derivativeApplied,
            DeviceBuffer workspace) {
        JCudaDriver.cuMemcpyDtoD(
                inputDelta.pointer, delta.pointer, s.shapes.get(index).size() * Float.BYTES);
        return false;
    }
}
