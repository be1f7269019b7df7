package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.cpu.Convolutions.Convolution;
import dev.nightmare.engine.cpu.LayerKernels.ChannelParameters;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.Shape;

/**
 * darknet's {@code [convolutional]} at one working size: the backend's convolution (bias and
 * activation fused into it without batch norm), else the raw convolution then batch norm and the
 * activation in {@link LayerKernels}; backward through the activation and batch norm in place,
 * then the convolution's backward data.
 */
final class ConvolutionalLayer implements CpuLayer {
    private final int index;
    private final Activation activation;
    private final Convolution convolution;
    private final ChannelParameters parameters;
    /** Layer 0's backward data straight into the planar image gradient, where the backend wants it; else null. */
    private final FirstLayerBackward firstLayer;

    private final LayerKernels kernels;
    private final BatchNormGradient batchNormGradient;
    private final CpuTensor output;
    /** Batch-normalised layers: the raw convolution output z, which darknet's backward reads; else null. */
    private final CpuTensor raw;
    /** Batch-normalised layers: the backend's normalisation at this size, or null: the Java kernels'. */
    private final Convolutions.Normalization normalization;
    /** The backend's activation derivative at this size, or null: the Java kernels'. */
    private final Convolutions.ActivationGradient activationGradient;

    ConvolutionalLayer(
            int index,
            Activation activation,
            boolean batchNormalize,
            Shape out,
            Convolution convolution,
            ChannelParameters parameters,
            FirstLayerBackward firstLayer,
            LayerKernels kernels,
            BatchNormGradient batchNormGradient,
            Convolutions.Normalization normalization,
            Convolutions.ActivationGradient activationGradient,
            Buffers buffers) {
        this.index = index;
        this.activation = activation;
        this.convolution = convolution;
        this.parameters = parameters;
        this.firstLayer = firstLayer;
        this.kernels = kernels;
        this.batchNormGradient = batchNormGradient;
        this.output = buffers.take(out, Layout.BLOCKED);
        this.raw = batchNormalize ? buffers.take(out, Layout.BLOCKED) : null;
        this.normalization = normalization;
        this.activationGradient = activationGradient;
    }

    /** The bytes of buffers a layer of output {@code out} takes: {@link Buffers} views, as the constructor takes them. */
    static long bufferBytes(Shape out, boolean batchNormalize) {
        return (batchNormalize ? 2 : 1) * Buffers.bytes(out, Layout.BLOCKED);
    }

    Activation activation() {
        return activation;
    }

    @Override
    public CpuTensor output() {
        return output;
    }

    @Override
    public void forward(CpuTensor input) {
        if (raw == null) {
            convolution.forward(input, output);
        } else {
            convolution.forward(input, raw);
            if (normalization != null) {
                normalization.forward(raw, output);
            } else {
                kernels.normalizeAndActivate(raw, output, parameters, activation);
            }
        }
    }

    /** dL/da into dL/dz in place, then the convolution's backward data into the next gradient. */
    @Override
    public void backward(BackwardPass pass) {
        CpuTensor g = pass.inPlace(index);
        if (!pass.activated()) {
            if (activationGradient != null) {
                activationGradient.backward(pass.gradient(), output, g);
            } else {
                kernels.activationBackward(pass.gradient(), output, g, activation);
            }
        }
        if (raw != null && (normalization == null || !normalization.backward(g, raw))) {
            kernels.batchNormBackward(g, raw, parameters, batchNormGradient);
        }
        if (firstLayer != null) {
            firstLayer.backward(g, pass.inputGradient());
        } else {
            convolution.backwardData(g, pass.next(index - 1, false));
        }
    }

    /**
     * The output's signs, which are all its derivative reads ({@code out > 0}); the target's output
     * whole. darknet's batch-norm gradient reads the raw values too: not kept. The exact one and the
     * convolution's backward data read nothing of the forward.
     */
    @Override
    public boolean keptParts(boolean target, java.util.List<KeptPart> parts) {
        if (!keepable(raw != null, batchNormGradient)) {
            return false;
        }
        if (target) {
            parts.add(KeptPart.whole(output));
        } else if (activation != Activation.LINEAR) {
            parts.add(KeptPart.signs(output));
        }
        return true;
    }

    private static boolean keepable(boolean batchNormalize, BatchNormGradient gradient) {
        return !batchNormalize || gradient == BatchNormGradient.EXACT;
    }

    /** The bytes {@link #keptParts} keeps for a layer of output {@code out}; −1 when it keeps none. */
    static long keptBytes(
            Activation activation, boolean batchNormalize, BatchNormGradient gradient, Shape out, boolean target) {
        if (!keepable(batchNormalize, gradient)) {
            return -1;
        }
        long floats = Layout.BLOCKED.storageFloats(out);
        if (target) {
            return KeptPart.keptBytes(false, floats * Float.BYTES);
        }
        return activation == Activation.LINEAR ? 0 : KeptPart.keptBytes(true, floats);
    }

    @Override
    public void close() {
        if (normalization != null) {
            normalization.close();
        }
        if (activationGradient != null) {
            activationGradient.close();
        }
        output.close();
        if (raw != null) {
            raw.close();
        }
    }
}
