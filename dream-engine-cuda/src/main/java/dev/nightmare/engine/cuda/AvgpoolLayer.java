package dev.nightmare.engine.cuda;

/**
 * darknet's avgpool layer on the device: each channel's mean into a c×1×1 output (summed in
 * darknet's order, one thread per channel); backward spreads each channel's gradient evenly.
 */
final class AvgpoolLayer implements CudaLayer {
    private final int index;
    private final LayerLaunches kernels;

    AvgpoolLayer(int index, LayerLaunches kernels) {
        this.index = index;
        this.kernels = kernels;
    }

    @Override
    public void forward(CudaStack s, DeviceBuffer workspace) {
        kernels.avgpoolForward(s.layerInput(index), s.outputs[index].buffer, s.layerInputShape(index));
    }

    @Override
    public boolean backward(
            CudaStack s,
            DeviceBuffer delta,
            DeviceBuffer inputDelta,
            boolean derivativeApplied,
            DeviceBuffer workspace) {
        kernels.avgpoolBackward(delta, inputDelta, s.layerInputShape(index));
        return false;
    }
}
