package dev.nightmare.engine.cpu.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.Shape;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * darknet's activation derivative by oneDNN at one working size, {@code g = out > 0 ? δ : δ·slope}
 * (ReLU slope 0, leaky 0.1) from the activated output, as oneDNN's ReLU backward that reads its
 * destination: the one float product darknet makes, so bit-identical to the Java kernels, and at
 * full speed from the first call. In place ({@code δ} and {@code g} one tensor) or not.
 */
final class OneDnnActivationGradient implements Convolutions.ActivationGradient {
    private final Function<CpuTensor, dnnl_memory> memory;
    private final Handle<dnnl_primitive_desc> pd;
    private final BoundPrimitive primitive;

    private OneDnnActivationGradient(
            OneDnnRuntime runtime,
            dnnl_stream stream,
            Function<CpuTensor, dnnl_memory> memory,
            Handle<dnnl_primitive_desc> pd) {
        this.memory = memory;
        this.pd = pd;
        this.primitive = new BoundPrimitive(
                runtime, stream, pd, "activation derivative", DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC);
    }

    /** The derivative of {@code activation} (ReLU or leaky) over blocked tensors of shape {@code shape}. */
    static OneDnnActivationGradient prepare(
            OneDnnRuntime runtime,
            dnnl_stream stream,
            Function<CpuTensor, dnnl_memory> memory,
            Shape shape,
            Activation activation) {
        if (activation == Activation.LINEAR) {
            throw new IllegalArgumentException("a linear activation has no derivative to apply");
        }
        runtime.pinThreads(); // primitives are made under the thread count they run with
        float slope = Dnnl.slope(activation);
        String at = " at " + shape;
        try (Handle<dnnl_memory_desc> data = Dnnl.desc(shape, Layout.BLOCKED);
                Handle<dnnl_primitive_attr> attr = Dnnl.deterministic(null);
                // oneDNN asks for a forward descriptor as the backward's hint; it is never run.
                Handle<dnnl_primitive_desc> hint = Dnnl.primitiveDesc(
                        d -> dnnl_eltwise_forward_primitive_desc_create(
                                d,
                                runtime.engine,
                                dnnl_forward_training,
                                dnnl_eltwise_relu_use_dst_for_bwd,
                                data.get(),
                                data.get(),
                                slope,
                                0f,
                                attr.get()),
                        "activation forward" + at)) {
            Handle<dnnl_primitive_desc> pd = Dnnl.primitiveDesc(
                    d -> dnnl_eltwise_backward_primitive_desc_create(
                            d,
                            runtime.engine,
                            dnnl_eltwise_relu_use_dst_for_bwd,
                            data.get(),
                            data.get(),
                            data.get(),
                            slope,
                            0f,
                            hint.get(),
                            attr.get()),
                    "activation backward" + at);
            try {
                return new OneDnnActivationGradient(runtime, stream, memory, pd);
            } catch (RuntimeException e) {
                pd.close();
                throw e;
            }
        }
    }

    @Override
    public void backward(CpuTensor delta, CpuTensor output, CpuTensor g) {
        primitive.run(memory.apply(output), memory.apply(delta), memory.apply(g));
    }

    @Override
    public void close() {
        BoundPrimitive.closeAll(List.of(primitive, pd));
    }
}
