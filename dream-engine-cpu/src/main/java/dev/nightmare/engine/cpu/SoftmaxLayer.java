package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SoftmaxSpec;

/**
 * darknet's {@code [softmax]}: forward a softmax over each group of its inputs (it follows an
 * {@code [avgpool]}, so there are only channels' worth); backward passes the gradient through
 * unchanged, as darknet's {@code backward_softmax_layer} does.
 */
final class SoftmaxLayer implements CpuLayer {
    private final int index;
    private final SoftmaxSpec softmax;
    private final LayerKernels kernels;
    private final CpuTensor output;

    SoftmaxLayer(int index, SoftmaxSpec softmax, Shape out, LayerKernels kernels, Buffers buffers) {
        this.index = index;
        this.softmax = softmax;
        this.kernels = kernels;
        this.output = buffers.take(out, Layout.BLOCKED);
    }

    /** The bytes of the buffer the layer takes: a {@link Buffers} view of its output. */
    static long bufferBytes(Shape out) {
        return Buffers.bytes(out, Layout.BLOCKED);
    }

    @Override
    public CpuTensor output() {
        return output;
    }

    @Override
    public void forward(CpuTensor input) {
        kernels.softmax(input, output, softmax.groups(), softmax.temperature());
    }

    @Override
    public void backward(BackwardPass pass) {
        CpuTensor dy = pass.gradient();
        kernels.convert(dy, pass.next(index - 1, false));
    }

    /** Not kept: such layers see their whole input, so they are never tiled. */
    @Override
    public boolean keptParts(boolean target, java.util.List<KeptPart> parts) {
        return false;
    }

    @Override
    public void close() {
        output.close();
    }
}
