package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.OneDnnRuntime.check;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_backward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_forward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

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
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
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

    private final OneDnnRuntime runtime;
    private final dnnl_stream stream;
    private final Function<CpuTensor, dnnl_memory> memory;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final Primitive forward;
    private final Primitive backward;
    /** The activation derivative of the convolution below, or null when it is linear or absent. */
    private final Primitive derivative;

    private OneDnnPooling(
            OneDnnRuntime runtime,
            dnnl_stream stream,
            Function<CpuTensor, dnnl_memory> memory,
            Handle<dnnl_primitive_desc> forwardPd,
            Handle<dnnl_primitive_desc> backwardPd,
            Handle<dnnl_primitive_desc> derivativePd,
            Native workspace) {
        this.runtime = runtime;
        this.stream = stream;
        this.memory = memory;
        owned.add(workspace);
        owned.add(forwardPd);
        owned.add(backwardPd);
        if (derivativePd != null) {
            owned.add(derivativePd);
        }
        this.forward = primitive(forwardPd, "max pooling forward", DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE);
        this.forward.bind(2, workspace.memory());
        this.backward =
                primitive(backwardPd, "max pooling backward", DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC, DNNL_ARG_WORKSPACE);
        this.backward.bind(2, workspace.memory());
        this.derivative = derivativePd == null
                ? null
                : primitive(derivativePd, "activation derivative", DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC);
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
        Handle<dnnl_primitive_desc> derivativePd = null;
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
            if (dnnl_memory_desc_get_size(workspaceDesc) > argmax.data().byteSize()) {
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
                derivativePd = derivative(runtime, src.get(), below == Activation.LEAKY ? 0.1f : 0f, attr.get(), at);
            }
            workspace = Native.over(Dnnl.copyOf(workspaceDesc), argmax.data(), runtime);
            return new OneDnnPooling(runtime, stream, memory, forwardPd, backwardPd, derivativePd, workspace);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {workspace, derivativePd, backwardPd, forwardPd}) {
                closeQuietly(c, e);
            }
            throw e;
        }
    }

    /**
     * {@code g = out > 0 ? g : g·slope} in place, as oneDNN's ReLU backward from the activated output
     * (its forward descriptor is only the hint oneDNN asks for).
     */
    private static Handle<dnnl_primitive_desc> derivative(
            OneDnnRuntime runtime, dnnl_memory_desc data, float slope, dnnl_primitive_attr attr, String at) {
        try (Handle<dnnl_primitive_desc> hint = Dnnl.primitiveDesc(
                pd -> dnnl_eltwise_forward_primitive_desc_create(
                        pd,
                        runtime.engine,
                        dnnl_forward_training,
                        dnnl_eltwise_relu_use_dst_for_bwd,
                        data,
                        data,
                        slope,
                        0f,
                        attr),
                "activation forward" + at)) {
            return Dnnl.primitiveDesc(
                    pd -> dnnl_eltwise_backward_primitive_desc_create(
                            pd,
                            runtime.engine,
                            dnnl_eltwise_relu_use_dst_for_bwd,
                            data,
                            data,
                            data,
                            slope,
                            0f,
                            hint.get(),
                            attr),
                    "activation backward" + at);
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
            derivative.bind(2, gradIn);
            derivative.run(memory.apply(belowOutput), gradIn);
        }
    }

    @Override
    public void close() {
        forward.close();
        backward.close();
        if (derivative != null) {
            derivative.close();
        }
        RuntimeException failure = null;
        for (AutoCloseable c : owned) {
            failure = closeQuietly(c, failure);
        }
        owned.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException closeQuietly(AutoCloseable c, RuntimeException failure) {
        if (c == null) {
            return failure;
        }
        try {
            c.close();
        } catch (Exception e) {
            RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
            if (failure == null) {
                return r;
            }
            failure.addSuppressed(r);
        }
        return failure;
    }

    private Primitive primitive(Handle<dnnl_primitive_desc> pd, String what, int... argKinds) {
        return new Primitive(Dnnl.primitive(pd.get(), "primitive_create (" + what + ")"), argKinds, what);
    }

    /** A primitive and its argument array; arguments 0 and 1 are set per run, the others bound once. */
    private final class Primitive implements AutoCloseable {
        private final Handle<dnnl_primitive> primitive;
        private final dnnl_exec_arg_t args;
        private final int count;
        private final String what;

        Primitive(Handle<dnnl_primitive> primitive, int[] argKinds, String what) {
            this.primitive = primitive;
            this.count = argKinds.length;
            this.what = what;
            this.args = new dnnl_exec_arg_t(count);
            for (int i = 0; i < count; i++) {
                args.getPointer(i).arg(argKinds[i]);
            }
        }

        void bind(int index, dnnl_memory m) {
            args.getPointer(index).memory(m);
        }

        void run(dnnl_memory first, dnnl_memory second) {
            args.getPointer(0).memory(first);
            args.getPointer(1).memory(second);
            runtime.pinThreads();
            check(dnnl_primitive_execute(primitive.get(), stream, count, args), what);
            check(dnnl_stream_wait(stream), "stream_wait");
        }

        @Override
        public void close() {
            primitive.close();
            args.close();
        }
    }
}
