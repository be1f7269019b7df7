package dev.nightmare.engine.cuda;

import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;

/**
 * darknet's maxpool layer on the device: forward records each window's winner (argmax); backward
 * routes the gradient to it, for tiling windows in one pass that also applies the activation
 * derivative of a plain (not batch-normalised, not linear) convolution below.
 */
final class MaxpoolLayer implements CudaLayer {
    private final int index;
    private final MaxpoolSpec pool;
    /** The activation ordinal of the convolution below whose derivative backward applies, or −1. */
    private final int belowActivation;

    private final LayerLaunches kernels;

    /**
     * @param below the layer below, null for layer 0
     * @param belowParameters its parameters on the device, null if it has none
     */
    MaxpoolLayer(int index, MaxpoolSpec pool, LayerSpec below, LayerParameters belowParameters, LayerLaunches kernels) {
        this.index = index;
        this.pool = pool;
        this.belowActivation = below instanceof ConvolutionalSpec conv
                        && belowParameters != null
                        && !belowParameters.batchNormalized
                        && conv.activation() != Activation.LINEAR
                ? conv.activation().ordinal()
                : -1;
        this.kernels = kernels;
    }

    @Override
    public void forward(CudaStack s, DeviceBuffer workspace) {
        kernels.maxpoolForward(
                s.layerInput(index),
                s.outputs[index].buffer,
                s.argmax[index],
                s.layerInputShape(index),
                s.shapes.get(index),
                pool);
    }

    @Override
    public boolean backward(
            CudaStack s,
            DeviceBuffer delta,
            DeviceBuffer inputDelta,
            boolean derivativeApplied,
            DeviceBuffer workspace) {
        Shape in = s.layerInputShape(index);
        Shape out = s.shapes.get(index);
        if (!LayerLaunches.maxpoolTilesApply(pool, in, out)) {
            kernels.maxpoolBackward(delta, s.argmax[index], inputDelta, in, out, pool);
            return false;
        }
        DeviceBuffer below = belowActivation >= 0 ? s.outputs[index - 1].buffer : delta;
        kernels.maxpoolBackwardTiles(delta, s.argmax[index], inputDelta, below, belowActivation, in, out, pool);
        return belowActivation >= 0;
    }
}
