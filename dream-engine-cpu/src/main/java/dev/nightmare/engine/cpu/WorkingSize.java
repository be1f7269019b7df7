package dev.nightmare.engine.cpu;

import dev.nightmare.engine.cpu.Convolutions.Convolution;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What a session keeps for one working size (width × height), in two parts. The preparations —
 * each convolution's primitives, made once per size — stay while the session's cache keeps the
 * size. The buffers — the network input and its gradient (planar), each layer's own blocked
 * buffers ({@link CpuLayer}), the two scratch buffers a {@link BackwardPass} runs in, each target's
 * output gradient — are views of the session's {@link Pool}, laid out from its start, so every size
 * shares the same memory; they are {@link #bind bound} when the size is used and dropped when the
 * pool changes. Every stack of this size (the target layers {@code -range} picks) shares them: a
 * forward through one stack overwrites the activations another of the same size exposes.
 * Nothing is allocated per iteration.
 */
final class WorkingSize implements AutoCloseable {
    final int width;
    final int height;
    final Shape inputShape;
    /** Output shapes of every layer that can run at this size (at least up to any requested target). */
    final List<Shape> shapes;

    private final NetworkSpec spec;
    /** (layer) the prepared convolutions; null for other layers and layers not prepared yet. */
    private final Convolution[] convolutions;
    /** Layers 0..prepared have their preparations. */
    private int prepared = -1;
    /** The targets asked for: each has its output gradient. */
    private final TreeSet<Integer> targets = new TreeSet<>();
    /** Estimated native bytes of the preparations (see {@link CpuBackend#PREPARATION_BYTES}). */
    private long preparationBytes;

    private Bound bound;

    WorkingSize(NetworkSpec spec, int width, int height) {
        this.spec = spec;
        this.width = width;
        this.height = height;
        this.inputShape = new Shape(spec.channels(), height, width);
        this.shapes = runnableShapes(spec, inputShape);
        this.convolutions = new Convolution[shapes.size()];
    }

    /** Output shapes of layers 0.. while they can be targeted and have a non-empty output. */
    static List<Shape> runnableShapes(NetworkSpec spec, Shape input) {
        List<Shape> out = new ArrayList<>();
        Shape s = input;
        int last = spec.lastTargetableLayer();
        for (int i = 0; i <= last; i++) {
            s = spec.layer(i).outputShape(s);
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

    /**
     * Prepares layers 0..target (their convolutions) if not done yet and records the target; a
     * layout that grew drops the bound buffers (they bind again, larger).
     *
     * @return the estimated native bytes this added to the preparations
     */
    long prepare(int target, LayerFactory factory) {
        long before = preparationBytes;
        boolean grew = target > prepared;
        for (int i = prepared + 1; i <= target; i++) {
            if (spec.layer(i) instanceof ConvolutionalSpec) {
                convolutions[i] = factory.convolution(i, layerInputShape(i), shapes.get(i));
                preparationBytes += CpuBackend.PREPARATION_BYTES;
            }
            prepared = i;
        }
        if (targets.add(target) || grew) {
            unbind();
        }
        return preparationBytes - before;
    }

    long preparationBytes() {
        return preparationBytes;
    }

    /** Bytes of this size's buffers for the layers and targets prepared so far. */
    long bufferBytes() {
        return bufferBytes(spec, inputShape, shapes, prepared, targets);
    }

    /**
     * Bytes of the buffers of a working size with input {@code input} and layer outputs {@code
     * shapes}, for layers {@code 0..last} and the given targets: exactly what {@link #bind} lays out.
     */
    static long bufferBytes(NetworkSpec spec, Shape input, List<Shape> shapes, int last, Iterable<Integer> targets) {
        long bytes = 2 * Buffers.bytes(input, Layout.PLANAR) + 2 * scratchBytes(input, shapes, last);
        for (int i = 0; i <= last; i++) {
            bytes += LayerFactory.bufferBytes(spec.layer(i), i, i == 0 ? input : shapes.get(i - 1), shapes.get(i));
        }
        for (int t : targets) {
            bytes += Buffers.bytes(shapes.get(t), Layout.BLOCKED);
        }
        return bytes;
    }

    /** One scratch buffer: the largest blocked tensor among the input and layers 0..last. */
    private static long scratchBytes(Shape input, List<Shape> shapes, int last) {
        long largest = Buffers.bytes(input, Layout.BLOCKED);
        for (int i = 0; i <= last; i++) {
            largest = Math.max(largest, Buffers.bytes(shapes.get(i), Layout.BLOCKED));
        }
        return largest;
    }

    /** The buffers, bound to {@code memory} of pool generation {@code generation} if not already. */
    Bound bind(MemorySegment memory, int generation, LayerFactory factory) {
        if (bound != null && bound.generation == generation) {
            return bound;
        }
        unbind();
        bound = new Bound(new Buffers(memory), generation, factory);
        return bound;
    }

    /** The bound buffers, or null. */
    Bound bound(int generation) {
        return bound != null && bound.generation == generation ? bound : null;
    }

    /** Drops the views of the pool (the memory stays the pool's). */
    void unbind() {
        if (bound != null) {
            bound.close();
            bound = null;
        }
    }

    /** The buffers of this size in one pool generation: views laid out by {@link #bufferBytes}. */
    final class Bound implements AutoCloseable {
        final int generation;
        final CpuTensor input;
        final CpuTensor inputGradient;
        /** (layer) the layers prepared so far. */
        final CpuLayer[] layers;

        private final MemorySegment[] scratch = new MemorySegment[2];
        /** [which][layer + 1]: views of a scratch buffer with layer's output shape (index 0: the input). */
        private final CpuTensor[][] views;
        /** (target) its output gradient; null for layers that are no target. */
        private final CpuTensor[] outputGradients;

        private Bound(Buffers buffers, int generation, LayerFactory factory) {
            this.generation = generation;
            this.input = buffers.take(inputShape, Layout.PLANAR);
            this.inputGradient = buffers.take(inputShape, Layout.PLANAR);
            long scratchBytes = scratchBytes(inputShape, shapes, prepared);
            for (int i = 0; i < 2; i++) {
                scratch[i] = buffers.take(scratchBytes);
            }
            this.views = new CpuTensor[2][shapes.size() + 1];
            this.layers = new CpuLayer[shapes.size()];
            for (int i = 0; i <= prepared; i++) {
                layers[i] = factory.layer(
                        i, layerInputShape(i), shapes.get(i), convolutions[i], i == 0 ? null : layers[i - 1], buffers);
            }
            this.outputGradients = new CpuTensor[shapes.size()];
            for (int t : targets) {
                outputGradients[t] = buffers.take(shapes.get(t), Layout.BLOCKED);
            }
            if (buffers.used() != bufferBytes()) {
                throw new IllegalStateException("working size " + width + "×" + height + " laid out " + buffers.used()
                        + " bytes, counted " + bufferBytes());
            }
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

        CpuTensor outputGradient(int target) {
            return outputGradients[target];
        }

        @Override
        public void close() {
            input.close();
            inputGradient.close();
            for (CpuTensor[] row : views) {
                for (CpuTensor v : row) {
                    if (v != null) {
                        v.close();
                    }
                }
            }
            for (CpuLayer l : layers) {
                if (l != null) {
                    l.close();
                }
            }
            for (CpuTensor g : outputGradients) {
                if (g != null) {
                    g.close();
                }
            }
        }
    }

    /** Drops the buffers and the preparations. */
    @Override
    public void close() {
        unbind();
        for (int i = 0; i < convolutions.length; i++) {
            if (convolutions[i] != null) {
                convolutions[i].close();
                convolutions[i] = null;
            }
        }
        prepared = -1;
        preparationBytes = 0;
    }
}
