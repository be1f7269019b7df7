package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;

/**
 * The convolutions of one model, and optionally its max pooling: the only parts in which the CPU
 * backends differ. Prepared once per (layer, working size) and reused every iteration; weights are
 * packed once per model.
 */
public interface Convolutions extends AutoCloseable {
    /**
     * Prepares layer {@code layer} for an input of shape {@code in} in {@code inLayout} (planar only
     * for the network input), giving a blocked output of shape {@code out}.
     *
     * @param biasAndActivation whether forward adds the bias and applies the activation (false for
     *     batch-normalised layers, whose raw output the backward pass needs)
     */
    Convolution prepare(int layer, Shape in, Layout inLayout, Shape out, boolean biasAndActivation);

    /**
     * Whether layer 0's backward data should be {@link FirstLayerBackward} (a Java kernel writing the
     * planar image gradient) rather than this backend's own. Worth it only where the backend's own is
     * Java code too: beside oneDNN, the new kernel's first full-size call runs before the JIT has
     * compiled it, which in a 10-iteration run cost more than it saved.
     */
    default boolean javaFirstLayerBackward() {
        return false;
    }

    /**
     * This backend's max pooling of layer {@code pool} from {@code in} to {@code out} at one working
     * size, bit-identical to {@link LayerKernels}' (maxpool, maxpoolBackward with {@code below}'s
     * activation derivative fused), keeping its winners in {@code argmax}'s memory; or null, where the
     * Java kernels pool (the default).
     */
    default Pooling maxpool(MaxpoolSpec pool, Shape in, Shape out, Activation below, CpuTensor argmax) {
        return null;
    }

    /**
     * This backend's batch norm and activation of a layer of output {@code out} at one working size,
     * for sessions in the fast arithmetic ({@code a = act(bn(z))} within the golden tolerances of
     * {@link LayerKernels#normalizeAndActivate}), with darknet's batch-norm gradient when {@code
     * darknetGradient}; or null, where the Java kernels normalise (the default).
     */
    default Normalization batchNorm(
            Shape out, LayerKernels.ChannelParameters parameters, Activation activation, boolean darknetGradient) {
        return null;
    }

    /**
     * This backend's derivative of {@code activation} (ReLU or leaky) over tensors of shape {@code
     * out} at one working size, bit-identical to {@link LayerKernels#activationBackward}; or null,
     * where the Java kernels apply it (the default).
     */
    default ActivationGradient activationBackward(Shape out, Activation activation) {
        return null;
    }

    /** The end of a run: frees scratch kept only between a run's steps (the weights stay). */
    default void endRun() {}

    /** Native bytes of the weights in the backend's layouts (and biases) held now. */
    default long weightBytes() {
        return 0;
    }

    @Override
    void close();

    /** Makes a session's convolutions, reserving their native memory in the session's account. */
    @FunctionalInterface
    interface Factory {
        /** {@code kernels}: the form the session's Java kernels run in (whether the backend is warm). */
        Convolutions create(Model model, Workers workers, NativeBudget.Account account, KernelChoice kernels);
    }

    /** A max pooling layer at one working size. */
    interface Pooling extends AutoCloseable {
        /** Overwrites {@code y} with the maxima of {@code x}'s windows, keeping each window's winner. */
        void forward(CpuTensor x, CpuTensor y);

        /**
         * Overwrites {@code dx} with {@code dy} routed to the winners, times the activation derivative
         * of the convolution below at its output {@code belowOutput} (null: no convolution below).
         */
        void backward(CpuTensor dy, CpuTensor dx, CpuTensor belowOutput);

        /** Bytes at the start of the argmax buffer's memory that forward fills with the winners. */
        long winnerBytes();

        @Override
        void close();
    }

    /**
     * Bytes of the winners {@link #maxpool}'s pooling keeps for layer {@code index} of output {@code
     * out}: by default, as the Java kernels keep them, a float per output element of the blocked
     * layout.
     */
    default long maxpoolWinnerBytes(MaxpoolSpec pool, int index, Shape out) {
        return Layout.BLOCKED.storageFloats(out) * Float.BYTES;
    }

    /** An activation's derivative at one working size. */
    interface ActivationGradient extends AutoCloseable {
        /** {@code g = output > 0 ? delta : delta·slope} ({@code g} may be {@code delta}). */
        void backward(CpuTensor delta, CpuTensor output, CpuTensor g);

        @Override
        void close();
    }

    /** A batch-normalised convolution's normalisation and activation at one working size. */
    interface Normalization extends AutoCloseable {
        /** Overwrites {@code a} with the activated, normalised raw convolution output {@code z}. */
        void forward(CpuTensor z, CpuTensor a);

        /**
         * darknet's batch-norm gradient of {@code g} (dL/dy) in place, given {@code z}; false when
         * this normalisation was prepared without it (the Java kernels run the session's gradient).
         */
        boolean backward(CpuTensor g, CpuTensor z);

        @Override
        void close();
    }

    /** One layer at one working size. */
    interface Convolution extends AutoCloseable {
        /** Overwrites {@code dst} (blocked) with the convolution of {@code src} (+ bias, activation if so prepared). */
        void forward(CpuTensor src, CpuTensor dst);

        /** Overwrites {@code gradIn} (blocked, the input's shape) with dLoss/dInput, given dLoss/dz. */
        void backwardData(CpuTensor gradOut, CpuTensor gradIn);

        /** Frees what this size's preparation holds (primitives); the backend's shared weights stay. */
        @Override
        default void close() {}
    }
}
