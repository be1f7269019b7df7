package dev.nightmare.engine.cpu;

import dev.nightmare.engine.cpu.Convolutions.Convolution;
import dev.nightmare.engine.cpu.LayerKernels.ChannelParameters;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a session keeps for one working size (width × height): the network input and its
 * gradient (planar), each layer's activations, raw convolution outputs (batch norm only) and
 * maxpool winners (blocked), two backward scratch buffers, and each layer's prepared convolution.
 * Every stack of this size (the target layers {@code -range} picks) shares it: a forward through
 * one stack overwrites the activations another of the same size exposes. Allocated as layers are
 * first needed; nothing is allocated per iteration.
 */
final class WorkingSize implements AutoCloseable {
    /** One layer's buffers at this size. */
    static final class LayerState {
        final Shape outShape;
        /** (channels, h, w) blocked: the activated output. */
        final CpuTensor output;
        /** Batch-normalised convolutions: the raw convolution output z, which darknet's backward reads. */
        final CpuTensor raw;
        /** Maxpool: the winning window position per output element (as a float). */
        final CpuTensor argmax;

        final Convolution convolution;
        final ChannelParameters parameters;

        LayerState(
                Shape outShape,
                CpuTensor output,
                CpuTensor raw,
                CpuTensor argmax,
                Convolution convolution,
                ChannelParameters parameters) {
            this.outShape = outShape;
            this.output = output;
            this.raw = raw;
            this.argmax = argmax;
            this.convolution = convolution;
            this.parameters = parameters;
        }
    }

    final int width;
    final int height;
    final Shape inputShape;
    /** Output shapes of every layer that can run at this size (at least up to any requested target). */
    final List<Shape> shapes;

    final CpuTensor input;
    final CpuTensor inputGradient;
    /** The input in blocked layout, for a network that starts with a maxpool (null otherwise). */
    CpuTensor blockedInput;

    private final Arena scratchArena = Arena.ofShared();
    private final MemorySegment[] scratch = new MemorySegment[2];
    /** [which][layer + 1]: views of a scratch buffer with layer's output shape (index 0: the input). */
    private final CpuTensor[][] views;

    final LayerState[] layers;

    WorkingSize(NetworkSpec spec, int width, int height) {
        this.width = width;
        this.height = height;
        this.inputShape = new Shape(spec.channels(), height, width);
        this.shapes = runnableShapes(spec, inputShape);
        this.input = CpuTensor.allocate(inputShape, Layout.PLANAR);
        this.inputGradient = CpuTensor.allocate(inputShape, Layout.PLANAR);
        long largest = Layout.BLOCKED.storageFloats(inputShape);
        for (Shape s : shapes) {
            largest = Math.max(largest, Layout.BLOCKED.storageFloats(s));
        }
        for (int i = 0; i < 2; i++) {
            scratch[i] = scratchArena.allocate(largest * Float.BYTES, 64);
        }
        this.views = new CpuTensor[2][shapes.size() + 1];
        this.layers = new LayerState[shapes.size()];
    }

    /** Output shapes of layers 0.. while they are convolutions or maxpools with a non-empty output. */
    private static List<Shape> runnableShapes(NetworkSpec spec, Shape input) {
        List<Shape> out = new ArrayList<>();
        Shape s = input;
        for (int i = 0; i < spec.size(); i++) {
            LayerSpec layer = spec.layer(i);
            if (!(layer instanceof ConvolutionalSpec) && !(layer instanceof MaxpoolSpec)) {
                break;
            }
            s = layer.outputShape(s);
            if (s.isEmpty()) {
                break;
            }
            out.add(s);
        }
        return out;
    }

    Shape layerInputShape(int layer) {
        return layer == 0 ? inputShape : shapes.get(layer - 1);
    }

    /** Scratch buffer {@code which} (0 or 1) viewed with the output shape of {@code layer} (−1: the input's). */
    CpuTensor scratch(int which, int layer) {
        CpuTensor v = views[which][layer + 1];
        if (v == null) {
            Shape s = layer < 0 ? inputShape : shapes.get(layer);
            v = CpuTensor.view(s, Layout.BLOCKED, scratch[which]);
            views[which][layer + 1] = v;
        }
        return v;
    }

    /**
     * Prepares layers 0..target (buffers and convolutions) if not done yet.
     *
     * @param darknet forward convolutions in darknet's arithmetic, replacing the backend's own
     *     forward (the backward data stays the backend's); null for the fastest arithmetic
     */
    void prepare(
            Model model,
            int target,
            Convolutions convolutions,
            DarknetConvolutions darknet,
            ChannelParameters[] parameters) {
        NetworkSpec spec = model.spec();
        for (int i = 0; i <= target; i++) {
            if (layers[i] != null) {
                continue;
            }
            Shape out = shapes.get(i);
            CpuTensor output = CpuTensor.allocate(out, Layout.BLOCKED);
            switch (spec.layer(i)) {
                case ConvolutionalSpec conv -> {
                    boolean bn = conv.batchNormalize();
                    Layout inLayout = i == 0 ? Layout.PLANAR : Layout.BLOCKED;
                    Convolution c = convolutions.prepare(i, layerInputShape(i), inLayout, out, !bn);
                    if (darknet != null) {
                        c = darknetForward(darknet.prepare(i, layerInputShape(i), out, !bn), c);
                    }
                    CpuTensor raw = bn ? CpuTensor.allocate(out, Layout.BLOCKED) : null;
                    layers[i] = new LayerState(out, output, raw, null, c, parameters[i]);
                }
                case MaxpoolSpec pool -> {
                    if (i == 0 && blockedInput == null) {
                        blockedInput = CpuTensor.allocate(inputShape, Layout.BLOCKED);
                    }
                    layers[i] = new LayerState(out, output, null, CpuTensor.allocate(out, Layout.BLOCKED), null, null);
                }
                default -> throw new IllegalStateException("layer " + i + " cannot run on the CPU backends");
            }
        }
    }

    /** {@code forward}'s forward with {@code backend}'s backward data. */
    private static Convolution darknetForward(DarknetConvolutions.Forward forward, Convolution backend) {
        return new Convolution() {
            @Override
            public void forward(CpuTensor src, CpuTensor dst) {
                forward.forward(src, dst);
            }

            @Override
            public void backwardData(CpuTensor gradOut, CpuTensor gradIn) {
                backend.backwardData(gradOut, gradIn);
            }
        };
    }

    @Override
    public void close() {
        input.close();
        inputGradient.close();
        if (blockedInput != null) {
            blockedInput.close();
        }
        for (CpuTensor[] row : views) {
            for (CpuTensor v : row) {
                if (v != null) {
                    v.close();
                }
            }
        }
        for (LayerState l : layers) {
            if (l == null) {
                continue;
            }
            l.output.close();
            if (l.raw != null) {
                l.raw.close();
            }
            if (l.argmax != null) {
                l.argmax.close();
            }
        }
        scratchArena.close();
    }
}
