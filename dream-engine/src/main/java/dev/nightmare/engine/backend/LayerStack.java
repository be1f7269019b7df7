package dev.nightmare.engine.backend;

import dev.nightmare.engine.model.Shape;

/**
 * Per-shape state for forward and backward through layers {@code 0..targetLayer} of a model at one
 * working size: activation buffers, argmax indices, primitives or algorithm choices. A session
 * prepares each (target layer, width, height) once and reuses it (the octave sizes repeat). Owned
 * by its session; callers never close it. Its tensors may share memory with stacks of other sizes:
 * what they hold lasts until a step runs on a stack of another size.
 */
public interface LayerStack {
    int targetLayer();

    /** Shape of {@link #input()}: 3 × height × width. */
    Shape inputShape();

    /** Shape of the target layer's output. */
    Shape outputShape();

    /** The working image fed to layer 0. */
    Tensor input();

    /** The target layer's activated output after {@link DreamSession#forward}. */
    Tensor output();

    /** dLoss/d(target output), set by a loss step before {@link DreamSession#backward}. */
    Tensor outputGradient();

    /** dLoss/d(input) after {@link DreamSession#backward}. */
    Tensor inputGradient();
}
