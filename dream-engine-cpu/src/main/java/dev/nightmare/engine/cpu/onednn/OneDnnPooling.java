package dev.nightmare.engine.cpu.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_backward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_forward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.onednn.OneDnnConvolutions.Native;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * darknet's max pooling of windows that do not overlap, by oneDNN, at one working size: forward
 * keeps each window's winner in oneDNN's workspace (laid over the layer's argmax buffer, which it
 * fits in), backward routes each gradient to its winner, then applies the activation derivative of
 * the convolution below in place. oneDNN's code is generated when the size is prepared, so it runs
 * at full speed from the first iteration, where the Java kernels run before the JIT has compiled
 * them.
 *
 * <p>Bit-identical to the Java kernels: maxima and routing do no arithmetic, a window's first
 * maximum wins (oneDNN replaces the running maximum only with a strictly larger value, scanning ky
 * then kx, as darknet), cells outside the input never win, no input cell receives two gradients,
 * and the derivative is darknet's one float product, {@code out > 0 ? g : g·slope}.
 */
final class OneDnnPooling implements Convolutions.Pooling {
    private static final long[] NO_DILATION = {0, 0};

    private final Function<CpuTensor, dnnl_memory> memory;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final BoundPrimitive forward;
    private final BoundPrimitive backward;
    /** The activation derivative of the convolution below, or null when it is linear or absent. */
    private final OneDnnActivationGradient derivative;

    private final long workspaceBytes;

    private OneDnnPooling(
            OneDnnRuntime runtime,
            dnnl_stream stream,
            Function<CpuTensor, dnnl_memory> memory,
            Handle<dnnl_primitive_desc> forwardPd,
            Handle<dnnl_primitive_desc> backwardPd,
            OneDnnActivationGradient derivative,
            Native workspace,
            long workspaceBytes) {
        this.memory = memory;
        owned.add(workspace);
        owned.add(forwardPd);
        owned.add(backwardPd);
        this.forward = new BoundPrimitive(
                runtime, stream, forwardPd, "max pooling forward", DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE);
        this.forward.bind(2, workspace.memory());
        this.backward = new BoundPrimitive(
                runtime,
                stream,
                backwardPd,
                "max pooling backward",
                DNNL_ARG_DIFF_DST,
                DNNL_ARG_DIFF_SRC,
                DNNL_ARG_WORKSPACE);
        this.backward.bind(2, workspace.memory());
        this.derivative = derivative;
        this.workspaceBytes = workspaceBytes;
    }

    /** Bytes of oneDNN's workspace: the winners, at the start of the argmax buffer's memory. */
    @Override
    public long winnerBytes() {
        return workspaceBytes;
    }

    /** Whether oneDNN may pool {@code pool}: windows that neither overlap (their gradients would add) nor leave gaps. */
    static boolean accepts(MaxpoolSpec pool) {
        return pool.stride() == pool.size();
    }

    /**
     * Prepares {@code pool} from {@code in} to {@code out} (both blocked), its workspace over {@code
     * argmax}'s memory; null when oneDNN's workspace would not fit there (the Java kernels pool then).
     */
    static OneDnnPooling prepare(
            OneDnnRuntime runtime,
            dnnl_stream stream,
            Function<CpuTensor, dnnl_memory> memory,
            MaxpoolSpec pool,
            Shape in,
            Shape out,
            Activation below,
            CpuTensor argmax) {
        runtime.pinThreads(); // primitives are made under the thread count they run with
        String at = " at " + in;
        long[] kernel = {pool.size(), pool.size()};
        long[] strides = {pool.stride(), pool.stride()};
        long[] padLeft = {-pool.offset(), -pool.offset()};
        long[] padRight = {
            (long) (out.height() - 1) * pool.stride() + pool.size() - in.height() + pool.offset(),
            (long) (out.width() - 1) * pool.stride() + pool.size() - in.width() + pool.offset()
        };
        Handle<dnnl_primitive_desc> forwardPd = null;
        Handle<dnnl_primitive_desc> backwardPd = null;
        OneDnnActivationGradient derivative = null;
        Native workspace = null;
        try (Handle<dnnl_memory_desc> src = Dnnl.desc(in, Layout.BLOCKED);
                Handle<dnnl_memory_desc> dst = Dnnl.desc(out, Layout.BLOCKED);
                Handle<dnnl_primitive_attr> attr = Dnnl.deterministic(null)) {
            forwardPd = Dnnl.primitiveDesc(
                    pd -> dnnl_pooling_forward_primitive_desc_create(
                            pd,
                            runtime.engine,
                            dnnl_forward_training,
                            dnnl_pooling_max,
                            src.get(),
                            dst.get(),
                            strides,
                            kernel,
                            NO_DILATION,
                            padLeft,
                            padRight,
                            attr.get()),
                    "max pooling forward" + at);
            dnnl_memory_desc workspaceDesc = dnnl_primitive_desc_query_md(forwardPd.get(), dnnl_query_workspace_md, 0);
            long workspaceBytes = dnnl_memory_desc_get_size(workspaceDesc);
            if (workspaceBytes > argmax.data().byteSize()) {
                forwardPd.close();
                return null;
            }
            Handle<dnnl_primitive_desc> hint = forwardPd;
            backwardPd = Dnnl.primitiveDesc(
                    pd -> dnnl_pooling_backward_primitive_desc_create(
                            pd,
                            runtime.engine,
                            dnnl_pooling_max,
                            src.get(),
                            dst.get(),
                            strides,
                            kernel,
                            NO_DILATION,
                            padLeft,
                            padRight,
                            hint.get(),
                            attr.get()),
                    "max pooling backward" + at);
            if (below != null && below != Activation.LINEAR) {
                derivative = OneDnnActivationGradient.prepare(runtime, stream, memory, in, below);
            }
            workspace = Native.over(Dnnl.copyOf(workspaceDesc), argmax.data(), runtime);
            return new OneDnnPooling(
                    runtime, stream, memory, forwardPd, backwardPd, derivative, workspace, workspaceBytes);
        } catch (RuntimeException e) {
            try {
                BoundPrimitive.closeAll(java.util.Arrays.asList(workspace, derivative, backwardPd, forwardPd));
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public void forward(CpuTensor x, CpuTensor y) {
        forward.run(memory.apply(x), memory.apply(y));
    }

    @Override
    public void backward(CpuTensor dy, CpuTensor dx, CpuTensor belowOutput) {
        dnnl_memory gradIn = memory.apply(dx);
        backward.run(memory.apply(dy), gradIn);
        if (derivative != null && belowOutput != null) {
            derivative.backward(dx, belowOutput, dx);
        }
    }

    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(List.of(forward, backward));
        if (derivative != null) {
            all.add(derivative);
        }
        all.addAll(owned);
        owned.clear();
        BoundPrimitive.closeAll(all);
    }
}
