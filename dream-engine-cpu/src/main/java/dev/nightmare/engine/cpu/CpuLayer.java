package dev.nightmare.engine.cpu;

/**
 * One layer at one working size on the CPU, as darknet keeps one file per layer type: the layer's
 * own blocked buffers (views of the session's pool, taken from {@link Buffers}) and its forward and
 * backward steps. Made by a session's {@link LayerFactory} each time its {@link WorkingSize} binds
 * its buffers, and closed when they are dropped.
 */
sealed interface CpuLayer extends AutoCloseable permits ConvolutionalLayer, MaxpoolLayer, AvgpoolLayer, SoftmaxLayer {
    /** The activated output (blocked), after {@link #forward}. */
    CpuTensor output();

    /**
     * Overwrites {@link #output()} with this layer applied to {@code input}: the layer below's
     * output, or for layer 0 the planar network input.
     */
    void forward(CpuTensor input);

    /** Takes {@code pass}'s gradient from this layer's output back to its input. */
    void backward(BackwardPass pass);

    /**
     * Adds to {@code parts} what {@link #backward} reads of the last {@link #forward}, as a kept
     * backward state holds it ({@code target}: the stack's target layer, whose output the iteration
     * reads too); false when backward reads what cannot be kept so.
     */
    boolean keptParts(boolean target, java.util.List<KeptPart> parts);

    @Override
    void close();
}
