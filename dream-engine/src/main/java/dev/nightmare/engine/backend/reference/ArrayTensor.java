package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.Shape;

/** A tensor on the Java heap, planar CHW. */
public final class ArrayTensor implements Tensor {
    private final Shape shape;
    final float[] data;

    ArrayTensor(Shape shape) {
        this.shape = shape;
        this.data = new float[Math.toIntExact(shape.size())];
    }

    @Override
    public Shape shape() {
        return shape;
    }

    /** The backing array (planar CHW). */
    public float[] data() {
        return data;
    }

    @Override
    public void close() {
        // Heap memory: the garbage collector frees it.
    }
}
