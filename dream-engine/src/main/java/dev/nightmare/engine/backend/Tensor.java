package dev.nightmare.engine.backend;

import dev.nightmare.engine.model.Shape;

/**
 * A handle to a float tensor that lives where its backend computes (Java heap, oneDNN memory in a
 * blocked layout, GPU memory). Its contents cross to the host only through {@link
 * DreamSession#read} and {@link DreamSession#write}, always as planar CHW floats. Tensors a caller
 * allocates are closed by that caller; tensors a {@link LayerStack} exposes belong to the stack.
 */
public interface Tensor extends AutoCloseable {
    Shape shape();

    @Override
    void close();
}
