package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;

/**
 * darknet's {@code [maxpool]} at one working size, by the backend where it pools (else the Java
 * kernels): forward keeps each window's winner; backward routes each gradient to it, multiplying by the activation derivative of the convolution below on
 * the way (which that convolution's backward then skips).
 */
final class MaxpoolLayer implements CpuLayer {
    private final int index;
    private final MaxpoolSpec pool;
    private final LayerKernels kernels;
    private final CpuTensor output;
    /** The winning window position per output element (as a float). */
    private final CpuTensor argmax;
    /** Layer 0: the planar network input in blocked layout; else null. */
    private final CpuTensor blockedInput;
    /** The convolution below, whose activation derivative backward applies; null when there is none. */
    private final ConvolutionalLayer below;
    /** The backend's pooling at this size, or null: the Java kernels pool. */
    private final Convolutions.Pooling backendPooling;

    MaxpoolLayer(
            int index,
            MaxpoolSpec pool,
            Shape in,
            Shape out,
            ConvolutionalLayer below,
            LayerKernels kernels,
            Convolutions backend,
            Buffers buffers) {
        this.index = index;
        this.pool = pool;
        this.kernels = kernels;
        this.below = below;
        this.output = buffers.take(out, Layout.BLOCKED);
        this.argmax = buffers.take(out, Layout.BLOCKED);
        this.blockedInput = index == 0 ? buffers.take(in, Layout.BLOCKED) : null;
        this.backendPooling =
                index == 0 ? null : backend.maxpool(pool, in, out, below == null ? null : below.activation(), argmax);
    }

    /** The bytes of buffers layer {@code index} takes: {@link Buffers} views, as the constructor takes them. */
    static long bufferBytes(int index, Shape in, Shape out) {
        return 2 * Buffers.bytes(out, Layout.BLOCKED) + (index == 0 ? Buffers.bytes(in, Layout.BLOCKED) : 0);
    }

    @Override
    public CpuTensor output() {
        return output;
    }

    @Override
    public void forward(CpuTensor input) {
        CpuTensor x = input;
        if (blockedInput != null) {
            kernels.convert(input, blockedInput);
            x = blockedInput;
        }
        if (backendPooling != null) {
            backendPooling.forward(x, output);
        } else {
            kernels.maxpool(x, output, argmax, pool);
        }
    }

    @Override
    public void backward(BackwardPass pass) {
        CpuTensor dy = pass.gradient();
        CpuTensor dx = pass.next(index - 1, below != null);
        if (backendPooling != null) {
            backendPooling.backward(dy, dx, below == null ? null : below.output());
            return;
        }
        kernels.maxpoolBackward(
                dy,
                argmax,
                dx,
                pool,
                below == null ? null : below.output(),
                below == null ? Activation.LINEAR : below.activation());
    }

    /** The winners, which routing reads (the convolution below keeps the signs its derivative reads); the target's output too. */
    @Override
    public boolean keptParts(boolean target, java.util.List<KeptPart> parts) {
        long winners = backendPooling != null ? backendPooling.winnerBytes() : argmax.storageFloats() * Float.BYTES;
        parts.add(KeptPart.bytes(argmax.data(), winners));
        if (target) {
            parts.add(KeptPart.whole(output));
        }
        return true;
    }

    /** The bytes {@link #keptParts} keeps, for winners of {@code winnerBytes} and an output {@code out}. */
    static long keptBytes(long winnerBytes, Shape out, boolean target) {
        long bytes = KeptPart.keptBytes(false, winnerBytes);
        return target ? bytes + KeptPart.keptBytes(false, Layout.BLOCKED.storageFloats(out) * Float.BYTES) : bytes;
    }

    @Override
    public void close() {
        if (backendPooling != null) {
            backendPooling.close();
        }
        output.close();
        argmax.close();
        if (blockedInput != null) {
            blockedInput.close();
        }
    }
}
