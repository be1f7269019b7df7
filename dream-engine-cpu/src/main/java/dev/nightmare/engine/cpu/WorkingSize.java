package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a session keeps for one working size (width × height): the network input and its
 * gradient (planar), the layers ({@link CpuLayer}: each with its own blocked buffers and prepared
 * convolution) and the two scratch buffers a {@link BackwardPass} runs in. Every stack of this size (the target layers {@code -range} picks) shares it: a forward through
 * one stack overwrites the activations another of the same size exposes. Allocated as layers are
 * first needed; nothing is allocated per iteration.
 */
final class WorkingSize implements AutoCloseable {
    final int width;
    final int height;
    final Shape inputShape;
    /** Output shapes of every layer that can run at this size (at least up to any requested target). */
    final List<Shape> shapes;

    final CpuTensor input;
    final CpuTensor inputGradient;
    private final Arena scratchArena = Arena.ofShared();
    private final MemorySegment[] scratch = new MemorySegment[2];
    /** [which][layer + 1]: views of a scratch buffer with layer's output shape (index 0: the input). */
    private final CpuTensor[][] views;

    /** (layer) the layers prepared so far. */
    final CpuLayer[] layers;

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
        this.layers = new CpuLayer[shapes.size()];
    }

    /** Output shapes of layers 0.. while they can be targeted and have a non-empty output. */
    private static List<Shape> runnableShapes(NetworkSpec spec, Shape input) {
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

    /** Prepares layers 0..target (their buffers and convolutions) if not done yet. */
    void prepare(int target, LayerFactory factory) {
        for (int i = 0; i <= target; i++) {
            if (layers[i] == null) {
                layers[i] = factory.layer(i, layerInputShape(i), shapes.get(i), i == 0 ? null : layers[i - 1]);
            }
        }
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
        scratchArena.close();
    }
}
