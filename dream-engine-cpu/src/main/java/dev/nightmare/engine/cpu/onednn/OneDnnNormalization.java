package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.OneDnnRuntime.check;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward_data;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_backward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_forward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_mul;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_binary;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scale;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.LayerKernels.ChannelParameters;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.onednn.OneDnnConvolutions.Native;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * A batch-normalised convolution's normalisation by oneDNN, for sessions in the fast arithmetic, at
 * one working size. oneDNN generates its code when the size is prepared, so it runs at full speed
 * from the first iteration (the Java kernels' first calls run before the JIT has compiled them).
 *
 * <p>Forward: {@code a = act(z·k + c)} with {@code k = scale/(√v + 1e-6)} and {@code c = shift −
 * mean·k} per channel, one oneDNN binary multiply with the add and the activation as post-ops: the
 * same function as darknet's {@code (z − mean)/(√v + 1e-6)·scale + shift}, rounded differently
 * (within the golden tolerances). Backward, where the session runs darknet's batch-norm gradient:
 * oneDNN's training-mode batch-norm backward with the rolling mean and variance as the batch's,
 * scale γ = scale and ε = 1e-5, which is darknet's formula ({@code g·s/√(v+e) + σΔ·2(z−m)/N +
 * μΔ/N}, {@link dev.nightmare.engine.backend.BatchNormGradient#DARKNET}) rearranged as {@code
 * s/√(v+e)·(g − Σg/N − (z−m)·Σg(z−m)/(N(v+e)))}.
 */
final class OneDnnNormalization implements Convolutions.Normalization {
    /** darknet's epsilon in its batch-norm backward. */
    private static final float BACKWARD_EPSILON = 0.00001f;
    /** The execution argument of the first post-op's second source (oneDNN's DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | SRC_1). */
    private static final int FIRST_POST_OP_SRC_1 = DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | DNNL_ARG_SRC_1;

    private final OneDnnRuntime runtime;
    private final dnnl_stream stream;
    private final Function<CpuTensor, dnnl_memory> memory;
    private final Arena arena = Arena.ofShared();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private BoundPrimitive forward;
    /** Null when the session runs another batch-norm gradient (the Java kernels run it). */
    private BoundPrimitive backward;

    private OneDnnNormalization(OneDnnRuntime runtime, dnnl_stream stream, Function<CpuTensor, dnnl_memory> memory) {
        this.runtime = runtime;
        this.stream = stream;
        this.memory = memory;
    }

    /**
     * Prepares the normalisation of a layer of output {@code out} with {@code p}'s constants and
     * activation {@code activation}; with darknet's backward when {@code darknetGradient}.
     */
    static OneDnnNormalization prepare(
            OneDnnRuntime runtime,
            dnnl_stream stream,
            Function<CpuTensor, dnnl_memory> memory,
            Shape out,
            ChannelParameters p,
            Activation activation,
            boolean darknetGradient) {
        // oneDNN fixes a batch norm's split of its per-channel sums over threads when it makes the
        // primitive: made under the thread count it runs with, or its bits would depend on which
        // thread (with which OpenMP setting) prepared the size.
        runtime.pinThreads();
        OneDnnNormalization n = new OneDnnNormalization(runtime, stream, memory);
        try {
            n.build(out, p, activation, darknetGradient);
            return n;
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
    }

    private void build(Shape out, ChannelParameters p, Activation activation, boolean darknetGradient) {
        int channels = out.channels();
        // Per-channel constants blocked as the data (the blocked tag, of 1×C×1×1, padding lanes 0): the
        // layout oneDNN's vectorised binary kernel broadcasts from (a plain one sends it to the
        // reference kernel).
        int padded = p.scale().length;
        float[] k = new float[padded];
        float[] c = new float[padded];
        for (int f = 0; f < channels; f++) {
            k[f] = (float) (p.scale()[f] / p.divisor()[f]);
            c[f] = (float) (p.shift()[f] - (double) p.mean()[f] * k[f]);
        }
        String at = " at " + out;
        try (Handle<dnnl_memory_desc> data = Dnnl.desc(out, Layout.BLOCKED);
                Handle<dnnl_memory_desc> perChannel = Dnnl.desc(new long[] {1, channels, 1, 1}, Dnnl.BLOCKED_TAG);
                Handle<dnnl_primitive_attr> attr = Dnnl.withPostOps(postOps -> {
                    // + c per channel, then the activation
                    check(dnnl_post_ops_append_binary(postOps, dnnl_binary_add, perChannel.get()), "append_binary");
                    if (activation != Activation.LINEAR) {
                        Dnnl.appendActivation(postOps, activation);
                    }
                });
                Handle<dnnl_primitive_desc> pd = Dnnl.primitiveDesc(
                        d -> dnnl_binary_primitive_desc_create(
                                d,
                                runtime.engine,
                                dnnl_binary_mul,
                                data.get(),
                                perChannel.get(),
                                data.get(),
                                attr.get()),
                        "batch norm forward" + at)) {
            forward = new BoundPrimitive(
                    runtime,
                    stream,
                    pd,
                    "batch norm forward",
                    DNNL_ARG_SRC,
                    DNNL_ARG_DST,
                    DNNL_ARG_SRC_1,
                    FIRST_POST_OP_SRC_1);
            forward.bind(2, constants(k, new long[] {1, channels, 1, 1}, Dnnl.BLOCKED_TAG));
            forward.bind(3, constants(c, new long[] {1, channels, 1, 1}, Dnnl.BLOCKED_TAG));
        }
        if (!darknetGradient) {
            return;
        }
        try (Handle<dnnl_memory_desc> data = Dnnl.desc(out, Layout.BLOCKED);
                Handle<dnnl_primitive_attr> attr = Dnnl.deterministic(null);
                Handle<dnnl_primitive_desc> hint = Dnnl.primitiveDesc(
                        d -> dnnl_batch_normalization_forward_primitive_desc_create(
                                d,
                                runtime.engine,
                                dnnl_forward_training,
                                data.get(),
                                data.get(),
                                BACKWARD_EPSILON,
                                dnnl_use_scale,
                                attr.get()),
                        "batch norm forward hint" + at);
                Handle<dnnl_primitive_desc> pd = Dnnl.primitiveDesc(
                        d -> dnnl_batch_normalization_backward_primitive_desc_create(
                                d,
                                runtime.engine,
                                dnnl_backward_data,
                                data.get(),
                                data.get(),
                                data.get(),
                                BACKWARD_EPSILON,
                                dnnl_use_scale,
                                hint.get(),
                                attr.get()),
                        "batch norm backward" + at)) {
            backward = new BoundPrimitive(
                    runtime,
                    stream,
                    pd,
                    "batch norm backward",
                    DNNL_ARG_DIFF_DST,
                    DNNL_ARG_SRC,
                    DNNL_ARG_DIFF_SRC,
                    DNNL_ARG_MEAN,
                    DNNL_ARG_VARIANCE,
                    DNNL_ARG_SCALE,
                    DNNL_ARG_DIFF_SCALE);
            long[] dims = {channels};
            backward.bind(3, constants(java.util.Arrays.copyOf(p.mean(), channels), dims, dnnl_x));
            backward.bind(4, constants(java.util.Arrays.copyOf(p.variance(), channels), dims, dnnl_x));
            backward.bind(5, constants(java.util.Arrays.copyOf(p.scale(), channels), dims, dnnl_x));
            // oneDNN wants somewhere to write the scale's gradient, which nightmare never reads.
            backward.bind(6, constants(new float[channels], dims, dnnl_x));
        }
    }

    /** A oneDNN memory object over a native copy of {@code values}, owned by this normalisation. */
    private dnnl_memory constants(float[] values, long[] dims, int tag) {
        MemorySegment data = arena.allocate((long) values.length * Float.BYTES, 64);
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT, 0, values.length);
        Native n = Native.over(Dnnl.desc(dims, tag), data, runtime);
        owned.add(n);
        return n.memory();
    }

    @Override
    public void forward(CpuTensor z, CpuTensor a) {
        forward.run(memory.apply(z), memory.apply(a));
    }

    @Override
    public boolean backward(CpuTensor g, CpuTensor z) {
        if (backward == null) {
            return false;
        }
        dnnl_memory gradient = memory.apply(g);
        backward.run(gradient, memory.apply(z), gradient);
        return true;
    }

    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(java.util.Arrays.asList(forward, backward));
        all.addAll(owned);
        owned.clear();
        forward = null;
        backward = null;
        try {
            BoundPrimitive.closeAll(all);
        } finally {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }
}
