package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Shape;

/**
 * darknet's {@code [avgpool]} at one working size: each channel's mean over its positions into a
 * blocked c×1×1 output; backward spreads each channel's gradient evenly over its positions.
 */
final class AvgpoolLayer implements CpuLayer {
    private final int index;
    private final LayerKernels kernels;
    private final CpuTensor output;
    /** Layer 0: the planar network input in blocked layout; else null. */
    private final CpuTensor blockedInput;

    AvgpoolLayer(int index, Shape in, Shape out, LayerKernels kernels, Buffers buffers) {
        this.index = index;
        this.kernels = kernels;
        this.output = buffers.take(out, Layout.BLOCKED);
        this.blockedInput = index == 0 ? buffers.take(in, Layout.BLOCKED) : null;
    }

    /** The bytes of buffers layer {@code index} takes: {@link Buffers} views, as the constructor takes them. */
    static long bufferBytes(int index, Shape in, Shape out) {
        return Buffers.bytes(out, Layout.BLOCKED) + (index == 0 ? Buffers.bytes(in, Layout.BLOCKED) : 0);
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
        kernels.avgpool(x, output);
    }

    @Override
    public void backward(BackwardPass pass) {
        CpuTensor dy = pass.gradient();
        kernels.avgpoolBackward(dy, pass.next(index - 1, false));
    }

    /** Not kept: such layers see their whole input, so they are never tiled. */
    @Override
    public boolean keptParts(boolean target, java.util.List<KeptPart> parts) {
        return false;
    }

    @Override
    public void close() {
        output.close();
        if (blockedInput != null) {
            blockedInput.close();
        }
    }
}
