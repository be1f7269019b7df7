package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.ForwardArithmetic;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.cpu.Convolutions.Convolution;
import dev.nightmare.engine.cpu.LayerKernels.ChannelParameters;
import dev.nightmare.engine.model.AvgpoolSpec;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SoftmaxSpec;

/**
 * Makes a session's layers, one per (layer, working size), from what the session's layers share:
 * the backend's {@link Convolutions} (forward from {@link DarknetConvolutions} instead when the
 * session runs darknet's arithmetic), layer 0's backward data in Java where the backend wants it,
 * each convolution's per-channel parameters and the layer kernels. Owns the convolutions.
 */
final class LayerFactory implements AutoCloseable {
    private final Model model;
    private final LayerKernels kernels;
    private final BatchNormGradient batchNormGradient;
    private final Convolutions convolutions;
    /** Forward convolutions in darknet's arithmetic, or null when the session runs the fastest one. */
    private final DarknetConvolutions darknet;
    /** Layer 0's backward data when it is a convolution and the backend wants it in Java, else null. */
    private final FirstLayerBackward firstLayer;
    /** (layer) a convolution's per-channel constants; null for other layers. */
    private final ChannelParameters[] parameters;

    LayerFactory(
            Model model, SessionOptions options, Workers workers, LayerKernels kernels, Convolutions convolutions) {
        this.model = model;
        this.kernels = kernels;
        this.batchNormGradient = options.batchNormGradient();
        this.convolutions = convolutions;
        this.darknet = options.forwardArithmetic() == ForwardArithmetic.DARKNET
                ? new DarknetConvolutions(model, workers)
                : null;
        this.firstLayer = convolutions.javaFirstLayerBackward()
                        && model.spec().layer(0) instanceof ConvolutionalSpec conv
                ? new FirstLayerBackward(workers, conv, model.convolutional(0).kernels())
                : null;
        NetworkSpec spec = model.spec();
        this.parameters = new ChannelParameters[spec.size()];
        for (int i = 0; i < spec.size(); i++) {
            if (spec.layer(i) instanceof ConvolutionalSpec conv) {
                parameters[i] = ChannelParameters.of(model.convolutional(i), conv.filters());
            }
        }
    }

    /**
     * Layer {@code index} for an input of shape {@code in}, above {@code below} (null for layer 0),
     * with its convolution prepared at this size (null for other layers) and its buffers taken from
     * {@code buffers}.
     */
    CpuLayer layer(int index, Shape in, Shape out, Convolution convolution, CpuLayer below, Buffers buffers) {
        return switch (model.spec().layer(index)) {
            case ConvolutionalSpec conv ->
                new ConvolutionalLayer(
                        index,
                        conv.activation(),
                        conv.batchNormalize(),
                        out,
                        convolution,
                        parameters[index],
                        index == 0 ? firstLayer : null,
                        kernels,
                        batchNormGradient,
                        conv.batchNormalize() && darknet == null
                                ? convolutions.batchNorm(
                                        out,
                                        parameters[index],
                                        conv.activation(),
                                        batchNormGradient == BatchNormGradient.DARKNET)
                                : null,
                        convolutions.activationBackward(out, conv.activation()),
                        buffers);
            case MaxpoolSpec pool ->
                new MaxpoolLayer(
                        index,
                        pool,
                        in,
                        out,
                        below instanceof ConvolutionalLayer c ? c : null,
                        kernels,
                        convolutions,
                        buffers);
            case AvgpoolSpec avgpool -> new AvgpoolLayer(index, in, out, kernels, buffers);
            case SoftmaxSpec softmax -> new SoftmaxLayer(index, softmax, out, kernels, buffers);
            default -> throw new IllegalStateException("layer " + index + " cannot run on the CPU backends");
        };
    }

    /** The bytes of buffers {@link #layer} takes for {@code layer} at index {@code index}. */
    static long bufferBytes(LayerSpec layer, int index, Shape in, Shape out) {
        return switch (layer) {
            case ConvolutionalSpec conv -> ConvolutionalLayer.bufferBytes(out, conv.batchNormalize());
            case MaxpoolSpec pool -> MaxpoolLayer.bufferBytes(index, in, out);
            case AvgpoolSpec avgpool -> AvgpoolLayer.bufferBytes(index, in, out);
            case SoftmaxSpec softmax -> SoftmaxLayer.bufferBytes(out);
            default -> throw new IllegalStateException("layer " + index + " cannot run on the CPU backends");
        };
    }

    /**
     * Bytes of what layer {@code index}'s backward reads of its forward, kept ({@link
     * CpuLayer#keptParts}); −1 when the layer keeps none.
     */
    long keptBytes(int index, Shape out, boolean target) {
        return switch (model.spec().layer(index)) {
            case ConvolutionalSpec conv ->
                ConvolutionalLayer.keptBytes(conv.activation(), conv.batchNormalize(), batchNormGradient, out, target);
            case MaxpoolSpec pool ->
                MaxpoolLayer.keptBytes(convolutions.maxpoolWinnerBytes(pool, index, out), out, target);
            default -> -1;
        };
    }

    /**
     * The backend's convolution of layer {@code index} prepared at this size (the network input is
     * planar); with darknet's forward in place of its own when the session runs darknet's
     * arithmetic (the backward data stays the backend's).
     */
    Convolution convolution(int index, Shape in, Shape out) {
        ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(index);
        boolean biasAndActivation = !conv.batchNormalize();
        Layout inLayout = index == 0 ? Layout.PLANAR : Layout.BLOCKED;
        Convolution backend = convolutions.prepare(index, in, inLayout, out, biasAndActivation);
        if (darknet == null) {
            return backend;
        }
        DarknetConvolutions.Forward forward = darknet.prepare(index, in, out, biasAndActivation);
        return new Convolution() {
            @Override
            public void forward(CpuTensor src, CpuTensor dst) {
                forward.forward(src, dst);
            }

            @Override
            public void backwardData(CpuTensor gradOut, CpuTensor gradIn) {
                backend.backwardData(gradOut, gradIn);
            }

            @Override
            public void close() {
                backend.close();
            }
        };
    }

    @Override
    public void close() {
        convolutions.close();
        if (darknet != null) {
            darknet.close();
        }
    }
}
