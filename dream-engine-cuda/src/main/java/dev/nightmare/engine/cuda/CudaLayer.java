package dev.nightmare.engine.cuda;

/**
 * One layer's forward and backward on the device, the maths of its type (darknet's forward_ and
 * backward_ functions of one layer file): {@link ConvolutionalLayer}, {@link MaxpoolLayer}, {@link
 * AvgpoolLayer}, {@link SoftmaxLayer}. Built
 * once per session for its layer index; the buffers come from the {@link CudaStack} of the size at
 * hand, the cuDNN workspace (grown as stacks are planned) from the session.
 */
sealed interface CudaLayer permits ConvolutionalLayer, MaxpoolLayer, AvgpoolLayer, SoftmaxLayer {
    /** The layer's output (and what its backward needs of the forward) from its input. */
    void forward(CudaStack s, DeviceBuffer workspace);

    /**
     * dL/d(input) into {@code inputDelta} from dL/d(output) in {@code delta}, which it may overwrite.
     *
     * @param derivativeApplied whether the layer above already multiplied delta by this layer's
     *     activation derivative
     * @return whether this layer already multiplied inputDelta by the layer below's activation
     *     derivative
     */
    boolean backward(
            CudaStack s,
            DeviceBuffer delta,
            DeviceBuffer inputDelta,
            boolean derivativeApplied,
            DeviceBuffer workspace);
}
