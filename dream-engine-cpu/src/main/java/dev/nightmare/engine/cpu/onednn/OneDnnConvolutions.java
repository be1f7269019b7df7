package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.OneDnnRuntime.check;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_abc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_data_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_create_with_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_deterministic;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_impl_info_str;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * oneDNN direct convolutions of one model: forward (bias and ReLU/leaky fused as a post-op) and
 * backward-data only, never weight gradients. Activations are {@code nChw16c}; the network input
 * is {@code nchw}; layer 0's input gradient is produced blocked (oneDNN has no fast kernel that
 * writes a 3-channel planar gradient). Weights are reordered once per layer into each layout a
 * primitive asks for. Primitives are created once per (layer, working size), with the deterministic
 * attribute set.
 */
final class OneDnnConvolutions implements Convolutions {
    private final OneDnnRuntime runtime;
    private final Model model;
    /** Owns the user-layout weight and bias copies and the reordered weights. */
    private final Arena arena = Arena.ofShared();
    /** (layer) weights reordered into a primitive's layout, one entry per distinct layout. */
    private final Map<Integer, List<Native>> weights = new HashMap<>();

    private final Map<Integer, Native> biases = new HashMap<>();
    private final List<PreparedConvolution> prepared = new ArrayList<>();
    /** This session's stream: primitives may run concurrently, streams may not be shared. */
    private final dnnl_stream stream;

    /**
     * Whether a stride-1 layer's backward-data runs as oneDNN's forward convolution of the gradient
     * with the transposed, flipped kernels (padding S−1−p), as the GPU backend does.
     */
    private final boolean transposedForward;

    /** 3×3 stride-1 layers by Winograd F(4×4, 3×3) ({@code onednn.winograd}); null: all direct. */
    private final Winograd winograd;

    OneDnnConvolutions(OneDnnRuntime runtime, Model model, boolean transposedForward) {
        this(runtime, model, transposedForward, null);
    }

    OneDnnConvolutions(OneDnnRuntime runtime, Model model, boolean transposedForward, Winograd winograd) {
        this.runtime = runtime;
        this.model = model;
        this.transposedForward = transposedForward;
        this.winograd = winograd;
        this.stream = runtime.newStream();
    }

    /** A layer prepared at one size, by whichever algorithm. */
    interface PreparedConvolution extends Convolution, AutoCloseable {
        /** The algorithm and implementation, for logs and tests. */
        String describe();

        @Override
        void close();
    }

    /** A oneDNN memory descriptor and object over memory we own. */
    record Native(dnnl_memory_desc desc, dnnl_memory memory) implements AutoCloseable {
        static Native over(dnnl_memory_desc desc, MemorySegment data, OneDnnRuntime runtime) {
            dnnl_memory memory = new dnnl_memory();
            check(dnnl_memory_create(memory, desc, runtime.engine, new Pointer(data.asByteBuffer())), "memory_create");
            return new Native(desc, memory);
        }

        @Override
        public void close() {
            dnnl_memory_destroy(memory);
            dnnl_memory_desc_destroy(desc);
        }
    }

    static dnnl_memory_desc desc(long[] dims, int tag) {
        dnnl_memory_desc d = new dnnl_memory_desc();
        check(dnnl_memory_desc_create_with_tag(d, dims.length, dims, dnnl_f32, tag), "memory_desc_create");
        return d;
    }

    private static long[] dims(Shape s) {
        return new long[] {1, s.channels(), s.height(), s.width()};
    }

    private static int tag(Layout layout) {
        return layout == Layout.PLANAR ? dnnl_nchw : dnnl_nChw16c;
    }

    /** The oneDNN memory object over a tensor, made on first use and closed with the tensor. */
    private dnnl_memory memory(CpuTensor t) {
        return t.attachment(x -> Native.over(desc(dims(x.shape()), tag(x.layout())), x.data(), runtime))
                .memory();
    }

    private static String implementation(dnnl_primitive_desc pd) {
        PointerPointer<BytePointer> p = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, p), "query impl_info_str");
        return p.get(BytePointer.class).getString();
    }

    @Override
    public Convolution prepare(int layer, Shape in, Layout inLayout, Shape out, boolean biasAndActivation) {
        ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(layer);
        ConvolutionalWeights w = model.convolutional(layer);
        if (winograd != null && winograd.accepts(conv, in, inLayout)) {
            PreparedConvolution c = winograd.prepare(
                    layer,
                    conv,
                    w,
                    in,
                    biasAndActivation,
                    (transposed, fill, dims, wanted) ->
                            weightsFor(transposed ? -1 - layer : layer, fill, dims, dnnl_abc, wanted));
            prepared.add(c);
            return c;
        }
        long[] weightDims = {conv.filters(), in.channels(), conv.size(), conv.size()};
        int k = conv.size(), s = conv.stride(), p = conv.padding();
        long[] strides = {s, s};
        long[] dilation = {0, 0};
        long[] padLeft = {p, p};
        // darknet's output size floors; oneDNN wants the right padding that yields exactly that size.
        long[] padRight = {
            (long) (out.height() - 1) * s + k - in.height() - p, (long) (out.width() - 1) * s + k - in.width() - p
        };
        dnnl_memory_desc src = desc(dims(in), tag(inLayout));
        dnnl_memory_desc dst = desc(dims(out), dnnl_nChw16c);
        dnnl_memory_desc anyWeights = desc(weightDims, dnnl_format_tag_any);
        dnnl_memory_desc bias = biasAndActivation ? desc(new long[] {conv.filters()}, dnnl_x) : null;
        dnnl_memory_desc gradIn = desc(dims(in), dnnl_nChw16c);

        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(attr), "primitive_attr_create");
        check(dnnl_primitive_attr_set_deterministic(attr, 1), "set_deterministic");
        dnnl_post_ops postOps = null;
        if (biasAndActivation && conv.activation() != Activation.LINEAR) {
            postOps = new dnnl_post_ops();
            check(dnnl_post_ops_create(postOps), "post_ops_create");
            // relu with alpha: x > 0 ? x : alpha·x (alpha 0.1 = darknet's leaky).
            float alpha = conv.activation() == Activation.LEAKY ? 0.1f : 0f;
            check(dnnl_post_ops_append_eltwise(postOps, dnnl_eltwise_relu, alpha, 0f), "append_eltwise");
            check(dnnl_primitive_attr_set_post_ops(attr, postOps), "set_post_ops");
        }
        dnnl_primitive_attr backwardAttr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(backwardAttr), "primitive_attr_create");
        check(dnnl_primitive_attr_set_deterministic(backwardAttr, 1), "set_deterministic");

        dnnl_primitive_desc forwardPd = new dnnl_primitive_desc();
        check(
                dnnl_convolution_forward_primitive_desc_create(
                        forwardPd,
                        runtime.engine,
                        dnnl_forward_training,
                        dnnl_convolution_direct,
                        src,
                        anyWeights,
                        bias,
                        dst,
                        strides,
                        dilation,
                        padLeft,
                        padRight,
                        attr),
                "convolution forward for layer " + layer + " at " + in);
        dnnl_primitive_desc backwardPd = new dnnl_primitive_desc();
        check(
                dnnl_convolution_backward_data_primitive_desc_create(
                        backwardPd,
                        runtime.engine,
                        dnnl_convolution_direct,
                        gradIn,
                        anyWeights,
                        dst,
                        strides,
                        dilation,
                        padLeft,
                        padRight,
                        forwardPd,
                        backwardAttr),
                "convolution backward data for layer " + layer + " at " + in);
        dnnl_primitive_desc transposedPd = null;
        long[] transposedDims = {in.channels(), conv.filters(), k, k};
        if (transposedForward && s == 1 && p <= k - 1 && in.channels() >= 8) {
            // dx = dy ⋆ transpose(w) with padding k−1−p (ConvolutionalWeights.transposeFlipped).
            long pt = k - 1 - p;
            long[] tLeft = {pt, pt};
            long[] tRight = {
                (long) (in.height() - 1) + k - out.height() - pt, (long) (in.width() - 1) + k - out.width() - pt
            };
            dnnl_memory_desc tSrc = desc(dims(out), dnnl_nChw16c);
            dnnl_memory_desc tDst = desc(dims(in), dnnl_nChw16c);
            dnnl_memory_desc tWeights = desc(transposedDims, dnnl_format_tag_any);
            transposedPd = new dnnl_primitive_desc();
            check(
                    dnnl_convolution_forward_primitive_desc_create(
                            transposedPd,
                            runtime.engine,
                            org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference,
                            dnnl_convolution_direct,
                            tSrc,
                            tWeights,
                            null,
                            tDst,
                            strides,
                            dilation,
                            tLeft,
                            tRight,
                            backwardAttr),
                    "backward data as forward for layer " + layer + " at " + in);
            for (dnnl_memory_desc d : new dnnl_memory_desc[] {tSrc, tDst, tWeights}) {
                dnnl_memory_desc_destroy(d);
            }
        }
        Prepared c = new Prepared(
                layer,
                forwardPd,
                backwardPd,
                transposedPd,
                pd -> weightsFor(layer, user -> copy(w.kernels(), user), weightDims, dnnl_oihw, pd),
                pd -> weightsFor(
                        -1 - layer,
                        user -> copy(
                                ConvolutionalWeights.transposeFlipped(w.kernels(), conv.filters(), in.channels(), k),
                                user),
                        transposedDims,
                        dnnl_oihw,
                        pd),
                biasAndActivation ? bias(layer, w) : null);
        if (postOps != null) {
            dnnl_post_ops_destroy(postOps);
        }
        dnnl_primitive_attr_destroy(attr);
        dnnl_primitive_attr_destroy(backwardAttr);
        for (dnnl_memory_desc d : new dnnl_memory_desc[] {src, dst, anyWeights, bias, gradIn}) {
            if (d != null) {
                dnnl_memory_desc_destroy(d);
            }
        }
        if (!dnnlDiffDstIsBlocked(backwardPd, out)) {
            c.close();
            throw new IllegalStateException("oneDNN wants another gradient layout for layer " + layer);
        }
        prepared.add(c);
        return c;
    }

    private static boolean dnnlDiffDstIsBlocked(dnnl_primitive_desc pd, Shape out) {
        dnnl_memory_desc blocked = desc(dims(out), dnnl_nChw16c);
        boolean same =
                dnnl_memory_desc_equal(dnnl_primitive_desc_query_md(pd, dnnl_query_diff_dst_md, 0), blocked) != 0;
        dnnl_memory_desc_destroy(blocked);
        return same;
    }

    /**
     * Kernels in the layout {@code wanted}, reordered from {@code userTag} (plain: oihw, or abc for
     * Winograd's) once and cached under {@code key} (the layer; −1 − layer for its transposed
     * kernels); a layer's direct and Winograd forms differ in dims, so the layout comparison tells
     * them apart.
     */
    private synchronized dnnl_memory weightsFor(
            int key, Consumer<MemorySegment> fill, long[] weightDims, int userTag, dnnl_memory_desc wanted) {
        List<Native> cached = weights.computeIfAbsent(key, l -> new ArrayList<>());
        for (Native n : cached) {
            if (dnnl_memory_desc_equal(n.desc(), wanted) != 0) {
                return n.memory();
            }
        }
        dnnl_memory_desc userDesc = desc(weightDims, userTag);
        Arena userArena = Arena.ofConfined(); // the plain copy is dropped once reordered
        MemorySegment user = userArena.allocate(dnnl_memory_desc_get_size(userDesc), 64);
        fill.accept(user); // only on a miss: transposed or transformed kernels are computed once per layout
        dnnl_memory_desc copy = new dnnl_memory_desc();
        check(org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_clone(copy, wanted), "memory_desc_clone");
        MemorySegment packed = arena.allocate(dnnl_memory_desc_get_size(copy), 64);
        try (userArena;
                Native from = Native.over(userDesc, user, runtime)) {
            Native to = Native.over(copy, packed, runtime);
            reorder(from, to);
            cached.add(to);
            return to.memory();
        }
    }

    private static void copy(float[] kernels, MemorySegment user) {
        MemorySegment.copy(kernels, 0, user, ValueLayout.JAVA_FLOAT, 0, kernels.length);
    }

    private void reorder(Native from, Native to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(
                dnnl_reorder_primitive_desc_create(pd, from.desc(), runtime.engine, to.desc(), runtime.engine, null),
                "reorder_primitive_desc_create");
        dnnl_primitive reorder = new dnnl_primitive();
        check(dnnl_primitive_create(reorder, pd), "primitive_create (reorder)");
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(2);
        args.getPointer(0).arg(DNNL_ARG_FROM).memory(from.memory());
        args.getPointer(1).arg(DNNL_ARG_TO).memory(to.memory());
        runtime.pinThreads();
        check(dnnl_primitive_execute(reorder, stream, 2, args), "reorder");
        check(dnnl_stream_wait(stream), "stream_wait");
        dnnl_primitive_destroy(reorder);
        dnnl_primitive_desc_destroy(pd);
        args.close();
    }

    private dnnl_memory bias(int layer, ConvolutionalWeights w) {
        return biases.computeIfAbsent(layer, l -> {
                    MemorySegment data = arena.allocate((long) w.biases().length * Float.BYTES, 64);
                    MemorySegment.copy(w.biases(), 0, data, ValueLayout.JAVA_FLOAT, 0, w.biases().length);
                    return Native.over(desc(new long[] {w.biases().length}, dnnl_x), data, runtime);
                })
                .memory();
    }

    /**
     * One layer at one size: its two primitives and their argument lists, reused every iteration.
     * Each primitive (oneDNN generates its kernel code then) and its weights' reorder is made on
     * first use: a session in darknet's arithmetic never runs the forward one.
     */
    private final class Prepared implements PreparedConvolution {
        private final int layer;
        private final dnnl_primitive_desc forwardPd;
        private final dnnl_primitive_desc backwardPd;
        /** Backward-data as a forward convolution with the transposed kernels; null: oneDNN's backward. */
        private final dnnl_primitive_desc transposedPd;

        private final Function<dnnl_memory_desc, dnnl_memory> weights;
        private final Function<dnnl_memory_desc, dnnl_memory> transposedWeights;
        private final dnnl_memory bias;
        private dnnl_primitive forward;
        private dnnl_primitive backward;
        private dnnl_exec_arg_t forwardArgs;
        private dnnl_exec_arg_t backwardArgs;
        private final int forwardArgCount;

        Prepared(
                int layer,
                dnnl_primitive_desc forwardPd,
                dnnl_primitive_desc backwardPd,
                dnnl_primitive_desc transposedPd,
                Function<dnnl_memory_desc, dnnl_memory> weights,
                Function<dnnl_memory_desc, dnnl_memory> transposedWeights,
                dnnl_memory bias) {
            this.layer = layer;
            this.forwardPd = forwardPd;
            this.backwardPd = backwardPd;
            this.transposedPd = transposedPd;
            this.weights = weights;
            this.transposedWeights = transposedWeights;
            this.bias = bias;
            this.forwardArgCount = bias == null ? 3 : 4;
        }

        @Override
        public void forward(CpuTensor src, CpuTensor dst) {
            if (forward == null) {
                dnnl_primitive p = new dnnl_primitive();
                check(dnnl_primitive_create(p, forwardPd), "primitive_create (forward " + layer + ")");
                forwardArgs = new dnnl_exec_arg_t(forwardArgCount);
                forwardArgs
                        .getPointer(0)
                        .arg(DNNL_ARG_WEIGHTS)
                        .memory(weights.apply(dnnl_primitive_desc_query_md(forwardPd, dnnl_query_weights_md, 0)));
                forwardArgs.getPointer(1).arg(DNNL_ARG_SRC);
                forwardArgs.getPointer(2).arg(DNNL_ARG_DST);
                if (bias != null) {
                    forwardArgs.getPointer(3).arg(DNNL_ARG_BIAS).memory(bias);
                }
                forward = p;
            }
            forwardArgs.getPointer(1).memory(memory(src));
            forwardArgs.getPointer(2).memory(memory(dst));
            runtime.pinThreads();
            check(dnnl_primitive_execute(forward, stream, forwardArgCount, forwardArgs), "forward " + layer);
            check(dnnl_stream_wait(stream), "stream_wait");
        }

        @Override
        public void backwardData(CpuTensor gradOut, CpuTensor gradIn) {
            if (backward == null) {
                dnnl_primitive p = new dnnl_primitive();
                backwardArgs = new dnnl_exec_arg_t(3);
                if (transposedPd != null) {
                    check(
                            dnnl_primitive_create(p, transposedPd),
                            "primitive_create (backward as forward " + layer + ")");
                    backwardArgs
                            .getPointer(0)
                            .arg(DNNL_ARG_WEIGHTS)
                            .memory(transposedWeights.apply(
                                    dnnl_primitive_desc_query_md(transposedPd, dnnl_query_weights_md, 0)));
                    backwardArgs.getPointer(1).arg(DNNL_ARG_SRC);
                    backwardArgs.getPointer(2).arg(DNNL_ARG_DST);
                } else {
                    check(dnnl_primitive_create(p, backwardPd), "primitive_create (backward " + layer + ")");
                    backwardArgs
                            .getPointer(0)
                            .arg(DNNL_ARG_WEIGHTS)
                            .memory(weights.apply(dnnl_primitive_desc_query_md(backwardPd, dnnl_query_weights_md, 0)));
                    backwardArgs.getPointer(1).arg(DNNL_ARG_DIFF_DST);
                    backwardArgs.getPointer(2).arg(DNNL_ARG_DIFF_SRC);
                }
                backward = p;
            }
            backwardArgs.getPointer(1).memory(memory(gradOut));
            backwardArgs.getPointer(2).memory(memory(gradIn));
            runtime.pinThreads();
            check(dnnl_primitive_execute(backward, stream, 3, backwardArgs), "backward data " + layer);
            check(dnnl_stream_wait(stream), "stream_wait");
        }

        @Override
        public String describe() {
            return "layer " + layer + ": forward " + implementation(forwardPd) + ", backward data "
                    + (transposedPd != null
                            ? "as forward " + implementation(transposedPd)
                            : implementation(backwardPd));
        }

        @Override
        public void close() {
            if (forward != null) {
                dnnl_primitive_destroy(forward);
                forwardArgs.close();
            }
            if (backward != null) {
                dnnl_primitive_destroy(backward);
                backwardArgs.close();
            }
            dnnl_primitive_desc_destroy(forwardPd);
            dnnl_primitive_desc_destroy(backwardPd);
            if (transposedPd != null) {
                dnnl_primitive_desc_destroy(transposedPd);
            }
        }
    }

    /** The implementation oneDNN chose for each prepared layer (e.g. {@code jit:avx512_core}), for logs. */
    List<String> implementations() {
        return prepared.stream().map(PreparedConvolution::describe).toList();
    }

    @Override
    public void close() {
        prepared.forEach(PreparedConvolution::close);
        prepared.clear();
        if (winograd != null) {
            winograd.close();
        }
        weights.values().forEach(list -> list.forEach(Native::close));
        weights.clear();
        biases.values().forEach(Native::close);
        biases.clear();
        dnnl_stream_destroy(stream);
        arena.close();
    }
}
