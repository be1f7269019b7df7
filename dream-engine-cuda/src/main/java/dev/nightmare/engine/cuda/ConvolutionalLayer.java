package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Shape;
import jcuda.jcudnn.cudnnHandle;

/**
 * A convolutional layer on the device. Forward: the convolution without bias (cuDNN's plan, or in
 * darknet's forward arithmetic the {@code convolution_darknet} kernel, bit-identical to the
 * reference), then bias or inference batch norm fused with the activation. Backward: the
 * activation's derivative (or darknet's batch-norm backward, which includes it), then backward-data
 * (cuDNN's plan, or for the image gradient of a small first layer Nightmare's own kernel: cuDNN
 * would fill 3 of 64+ GEMM rows).
 */
final class ConvolutionalLayer implements CudaLayer {
    private final int index;
    private final ConvolutionalSpec conv;
    private final LayerParameters p;
    /** Whether backward-data is {@code input_gradient_*} rather than cuDNN's (the image gradient). */
    private final boolean ownInputGradient;

    private final BatchNormGradient batchNormGradient;
    /** The session's per-channel sums of darknet's batch-norm backward (double, 2 per channel). */
    private final DeviceBuffer batchNormSums;

    private final LayerLaunches kernels;
    private final CudaRuntime runtime;
    private final cudnnHandle handle;

    /**
     * @param channels the layer's input channels
     * @param fastBackwardData {@code cuda.backwardData=fast}: the image gradient may be Nightmare's kernel
     */
    ConvolutionalLayer(
            int index,
            ConvolutionalSpec conv,
            int channels,
            LayerParameters p,
            boolean fastBackwardData,
            BatchNormGradient batchNormGradient,
            DeviceBuffer batchNormSums,
            LayerLaunches kernels,
            CudaRuntime runtime,
            cudnnHandle handle) {
        this.index = index;
        this.conv = conv;
        this.p = p;
        this.ownInputGradient =
                index == 0 && fastBackwardData && LayerLaunches.smallInputGradientApplies(conv, channels);
        this.batchNormGradient = batchNormGradient;
        this.batchNormSums = batchNormSums;
        this.kernels = kernels;
        this.runtime = runtime;
        this.handle = handle;
    }

    @Override
    public void forward(CudaStack s, DeviceBuffer workspace) {
        Shape out = s.shapes.get(index);
        DeviceBuffer a = s.outputs[index].buffer;
        if (p.batchNormalized) {
            DeviceBuffer z = s.preActivations[index];
            convolve(s, workspace, z);
            kernels.batchnormActivate(z, a, p.mean, p.denominator, p.scales, p.biases, out, conv.activation());
        } else {
            convolve(s, workspace, a);
            if ((long) out.height() * out.width() % 4 == 0) {
                // Buffers are cuMemAlloc'd (256-byte aligned): float4 access is safe.
                kernels.biasActivate4(a, a, p.biases, out, conv.activation());
            } else {
                kernels.biasActivate(a, a, p.biases, out, conv.activation());
            }
        }
    }

    /** z = the convolution of the layer's input, without bias. */
    private void convolve(CudaStack s, DeviceBuffer workspace, DeviceBuffer z) {
        DeviceBuffer x = s.layerInput(index);
        if (p.darknetKernels == null) {
            s.plans[index].forward(runtime, handle, x, p.filter, p.kernels, workspace, z);
        } else {
            kernels.convolutionDarknet(x, p.darknetKernels, z, s.layerInputShape(index), s.shapes.get(index), conv);
        }
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
        DeviceBuffer a = s.outputs[index].buffer;
        Activation act = conv.activation();
        if (!p.batchNormalized) {
            if (act != Activation.LINEAR && !derivativeApplied) {
                if (out.size() % 4 == 0) {
                    kernels.activationBackward4(delta, a, out.size(), act);
                } else {
                    kernels.activationBackward(delta, a, out.size(), act);
                }
            }
        } else if (batchNormGradient == BatchNormGradient.EXACT) {
            kernels.batchnormBackwardExact(delta, a, p.exactFactor, out, act);
        } else {
            DeviceBuffer z = s.preActivations[index];
            kernels.batchnormBackwardSums(delta, a, z, p.scales, p.mean, out, act, batchNormSums);
            kernels.batchnormBackwardApply(delta, z, p.mean, p.variance, batchNormSums, out);
        }
        // The image gradient may be Nightmare's kernel (cuDNN would fill 3 of 64+ GEMM rows).
        if (!ownInputGradient) {
            s.plans[index].backwardData(runtime, handle, delta, p, workspace, inputDelta);
        } else if (LayerLaunches.rgb3x3InputGradientApplies(conv, in)) {
            kernels.inputGradientRgb3x3(delta, p.kernels, inputDelta, in, out, conv);
        } else {
            kernels.inputGradientSmall(delta, p.kernels, inputDelta, in, out, conv);
        }
        return false;
    }
}
