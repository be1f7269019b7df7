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
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_impl_info_str;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.LayerKernels.ChannelParameters;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.NativeBudget;
import dev.nightmare.engine.cpu.onednn.ConvolutionPrimitives.Geometry;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * oneDNN direct convolutions of one model: forward (bias and ReLU/leaky fused as a post-op) and
 * backward-data only, never weight gradients. Activations are blocked ({@link Layout#BLOCKED}); the network input
 * is {@code nchw}; layer 0's input gradient is produced blocked (oneDNN has no fast kernel that
 * writes a 3-channel planar gradient). Weights are reordered once per layer into each layout a
 * primitive asks for. Primitives are created once per (layer, working size), with the deterministic
 * attribute set. Every oneDNN object is a {@link Handle}, freed on every path.
 */
final class OneDnnConvolutions implements Convolutions {
    private final OneDnnRuntime runtime;
    private final Model model;
    /** Owns the user-layout weight and bias copies and the reordered weights. */
    private final Arena arena = Arena.ofShared();
    /** Kernels reordered into a primitive's layout, one entry per distinct layout. */
    private final Map<KernelsKey, List<Native>> weights = new HashMap<>();

    private final Map<Integer, Native> biases = new HashMap<>();
    private final List<PreparedConvolution> prepared = new ArrayList<>();
    /** Per-size pooling, batch norms and derivatives their layers have not closed yet: closed with the session. */
    private final List<AutoCloseable> perSize = new ArrayList<>();
    /** This session's stream: primitives may run concurrently, streams may not be shared. */
    private final Handle<dnnl_stream> stream;

    /**
     * Whether a stride-1 layer's backward-data runs as oneDNN's forward convolution of the gradient
     * with the transposed, flipped kernels (padding S−1−p), as the GPU backend does.
     */
    private final boolean transposedForward;

    /** 3×3 stride-1 layers by Winograd F(4×4, 3×3) ({@code onednn.winograd}); null: all direct. */
    private final Winograd winograd;

    private final BooleanSupplier winogradNow;

    /** The session's share of the backend's native budget: the reordered weights and biases are reserved in it. */
    private final NativeBudget.Account account;

    /** Bytes of weights and biases reserved so far. */
    private long reserved;

    OneDnnConvolutions(OneDnnRuntime runtime, Model model, boolean transposedForward) {
        this(runtime, model, transposedForward, null);
    }

    /** Outside any budget (tests). */
    OneDnnConvolutions(OneDnnRuntime runtime, Model model, boolean transposedForward, Winograd winograd) {
        this(
                runtime,
                model,
                transposedForward,
                winograd,
                NativeBudget.unlimited().open());
    }

    OneDnnConvolutions(
            OneDnnRuntime runtime,
            Model model,
            boolean transposedForward,
            Winograd winograd,
            NativeBudget.Account account) {
        this(runtime, model, transposedForward, winograd, () -> true, account);
    }

    /**
     * {@code winogradNow}: asked when a size is prepared, whether its layers may run by Winograd
     * now ({@code onednn.winograd=auto}: once the Vector API code is compiled).
     */
    OneDnnConvolutions(
            OneDnnRuntime runtime,
            Model model,
            boolean transposedForward,
            Winograd winograd,
            BooleanSupplier winogradNow,
            NativeBudget.Account account) {
        this.runtime = runtime;
        this.model = model;
        this.transposedForward = transposedForward;
        this.winograd = winograd;
        this.winogradNow = winogradNow;
        this.account = account;
        this.stream = runtime.newStream();
    }

    /** A layer prepared at one size, by whichever algorithm. */
    interface PreparedConvolution extends Convolution, AutoCloseable {
        /** The algorithm and implementation, for logs and tests. */
        String describe();

        @Override
        void close();
    }

    /** A oneDNN memory object over memory we own, and its descriptor. */
    static final class Native implements AutoCloseable {
        private final Handle<dnnl_memory_desc> desc;
        private final Handle<dnnl_memory> memory;

        private Native(Handle<dnnl_memory_desc> desc, Handle<dnnl_memory> memory) {
            this.desc = desc;
            this.memory = memory;
        }

        /** A memory object of layout {@code desc} over {@code data}; owns {@code desc}, closing it also on failure. */
        static Native over(Handle<dnnl_memory_desc> desc, MemorySegment data, OneDnnRuntime runtime) {
            try {
                return new Native(desc, Dnnl.memory(desc.get(), data, runtime.engine));
            } catch (RuntimeException e) {
                desc.close();
                throw e;
            }
        }

        dnnl_memory_desc desc() {
            return desc.get();
        }

        dnnl_memory memory() {
            return memory.get();
        }

        @Override
        public void close() {
            memory.close();
            desc.close();
        }
    }

    /** The oneDNN memory object over a tensor, made on first use and closed with the tensor. */
    private dnnl_memory memory(CpuTensor t) {
        return t.attachment(x -> Native.over(Dnnl.desc(x.shape(), x.layout()), x.data(), runtime))
                .memory();
    }

    private static String implementation(Handle<dnnl_primitive_desc> pd) {
        PointerPointer<BytePointer> p = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd.get(), dnnl_query_impl_info_str, 0, p), "query impl_info_str");
        return p.get(BytePointer.class).getString();
    }

    @Override
    public Convolution prepare(int layer, Shape in, Layout inLayout, Shape out, boolean biasAndActivation) {
        ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(layer);
        ConvolutionalWeights w = model.convolutional(layer);
        PreparedConvolution c = winograd != null && winogradNow.getAsBoolean() && winograd.accepts(conv, in, inLayout)
                ? winograd.prepare(
                        layer,
                        conv,
                        w,
                        in,
                        biasAndActivation,
                        (key, fill, dims, wanted) -> weightsFor(key, fill, dims, dnnl_abc, wanted))
                : direct(layer, conv, w, Geometry.of(conv, in, out), inLayout, biasAndActivation);
        synchronized (this) {
            prepared.add(c);
        }
        return new Convolution() {
            @Override
            public void forward(CpuTensor src, CpuTensor dst) {
                c.forward(src, dst);
            }

            @Override
            public void backwardData(CpuTensor gradOut, CpuTensor gradIn) {
                c.backwardData(gradOut, gradIn);
            }

            /** The size's primitives go; the weights, shared by every size, stay. */
            @Override
            public void close() {
                boolean mine;
                synchronized (OneDnnConvolutions.this) {
                    mine = prepared.remove(c);
                }
                if (mine) {
                    c.close();
                }
            }
        };
    }

    /**
     * oneDNN's direct convolution of a layer: the forward primitive descriptor, and backward data's
     * (oneDNN's own, or the forward convolution with the transposed kernels where the layer allows).
     */
    private Prepared direct(
            int layer,
            ConvolutionalSpec conv,
            ConvolutionalWeights w,
            Geometry g,
            Layout inLayout,
            boolean biasAndActivation) {
        String at = " for layer " + layer + " at " + g.in();
        boolean transposed = transposedForward && g.transposable();
        dnnl_memory bias = biasAndActivation ? bias(layer, w) : null;
        try (Handle<dnnl_primitive_desc> forward = ConvolutionPrimitives.forward(
                        runtime.engine,
                        g,
                        inLayout,
                        biasAndActivation ? conv.activation() : null,
                        "convolution forward" + at);
                Handle<dnnl_primitive_desc> backward = ConvolutionPrimitives.backwardData(
                        runtime.engine, g, forward.get(), "convolution backward data" + at);
                Handle<dnnl_primitive_desc> asForward = transposed
                        ? ConvolutionPrimitives.transposedForward(runtime.engine, g, "backward data as forward" + at)
                        : null) {
            Function<dnnl_memory_desc, dnnl_memory> kernels =
                    pd -> weightsFor(KernelsKey.of(layer), user -> copy(w.kernels(), user), g.weights(), dnnl_oihw, pd);
            Function<dnnl_memory_desc, dnnl_memory> transposedKernels = pd -> weightsFor(
                    KernelsKey.transposedOf(layer),
                    user -> copy(
                            ConvolutionalWeights.transposeFlipped(
                                    w.kernels(), conv.filters(), g.in().channels(), conv.size()),
                            user),
                    g.transposed().weights(),
                    dnnl_oihw,
                    pd);
            return transposed
                    ? new Prepared(layer, forward.move(), asForward.move(), true, kernels, transposedKernels, bias)
                    : new Prepared(layer, forward.move(), backward.move(), false, kernels, kernels, bias);
        }
    }

    /**
     * Kernels in the layout {@code wanted}, reordered from {@code userTag} (plain: oihw, or abc for
     * Winograd's) once and cached under {@code key}; a layer's direct and Winograd forms differ in
     * dims, so the layout comparison tells them apart.
     */
    private synchronized dnnl_memory weightsFor(
            KernelsKey key, Consumer<MemorySegment> fill, long[] weightDims, int userTag, dnnl_memory_desc wanted) {
        List<Native> cached = weights.computeIfAbsent(key, k -> new ArrayList<>());
        for (Native n : cached) {
            if (dnnl_memory_desc_equal(n.desc(), wanted) != 0) {
                return n.memory();
            }
        }
        long floats = 1;
        for (long d : weightDims) {
            floats *= d;
        }
        try (Arena userArena = Arena.ofConfined()) { // the plain copy is dropped once reordered
            MemorySegment user = userArena.allocate(floats * Float.BYTES, 64);
            fill.accept(user); // only on a miss: transposed or transformed kernels are computed once per layout
            try (Native from = Native.over(Dnnl.desc(weightDims, userTag), user, runtime)) {
                long bytes = dnnl_memory_desc_get_size(wanted);
                account.reserve(bytes, () -> "the weights of layer " + key.layer() + " (" + key + ")");
                reserved += bytes;
                MemorySegment packed = arena.allocate(bytes, 64);
                Native to = Native.over(Dnnl.copyOf(wanted), packed, runtime);
                try {
                    reorder(from, to);
                } catch (RuntimeException e) {
                    to.close();
                    throw e;
                }
                cached.add(to);
                return to.memory();
            }
        }
    }

    private static void copy(float[] kernels, MemorySegment user) {
        MemorySegment.copy(kernels, 0, user, ValueLayout.JAVA_FLOAT, 0, kernels.length);
    }

    private void reorder(Native from, Native to) {
        try (Handle<dnnl_primitive_desc> pd = Dnnl.primitiveDesc(
                        p -> dnnl_reorder_primitive_desc_create(
                                p, from.desc(), runtime.engine, to.desc(), runtime.engine, null),
                        "reorder_primitive_desc_create");
                Handle<dnnl_primitive> reorder = Dnnl.primitive(pd.get(), "primitive_create (reorder)");
                dnnl_exec_arg_t args = new dnnl_exec_arg_t(2)) {
            args.getPointer(0).arg(DNNL_ARG_FROM).memory(from.memory());
            args.getPointer(1).arg(DNNL_ARG_TO).memory(to.memory());
            runtime.pinThreads();
            check(dnnl_primitive_execute(reorder.get(), stream.get(), 2, args), "reorder");
            check(dnnl_stream_wait(stream.get()), "stream_wait");
        }
    }

    private synchronized dnnl_memory bias(int layer, ConvolutionalWeights w) {
        return biases.computeIfAbsent(layer, l -> {
                    long bytes = (long) w.biases().length * Float.BYTES;
                    account.reserve(bytes, () -> "the biases of layer " + layer);
                    reserved += bytes;
                    MemorySegment data = arena.allocate(bytes, 64);
                    MemorySegment.copy(w.biases(), 0, data, ValueLayout.JAVA_FLOAT, 0, w.biases().length);
                    return Native.over(Dnnl.desc(new long[] {w.biases().length}, dnnl_x), data, runtime);
                })
                .memory();
    }

    /**
     * Creates {@code pd}'s primitive (oneDNN generates its kernel code now), then asks {@code
     * kernels} for the weights in the layout it wants (reordering them on a cache miss).
     */
    private Step step(
            Handle<dnnl_primitive_desc> pd,
            Function<dnnl_memory_desc, dnnl_memory> kernels,
            int inArg,
            int outArg,
            dnnl_memory bias,
            String what) {
        Handle<dnnl_primitive> primitive = Dnnl.primitive(pd.get(), "primitive_create (" + what + ")");
        dnnl_exec_arg_t args = null;
        try {
            int count = bias == null ? 3 : 4;
            args = new dnnl_exec_arg_t(count);
            args.getPointer(0)
                    .arg(DNNL_ARG_WEIGHTS)
                    .memory(kernels.apply(dnnl_primitive_desc_query_md(pd.get(), dnnl_query_weights_md, 0)));
            args.getPointer(1).arg(inArg);
            args.getPointer(2).arg(outArg);
            if (bias != null) {
                args.getPointer(3).arg(DNNL_ARG_BIAS).memory(bias);
            }
            return new Step(primitive, args, count, what);
        } catch (RuntimeException e) {
            if (args != null) {
                args.close();
            }
            primitive.close();
            throw e;
        }
    }

    /**
     * A primitive bound to its arguments, made once and run every iteration: the kernels at 0, the
     * input at 1, the output at 2 (and the bias at 3).
     */
    private final class Step implements AutoCloseable {
        private final Handle<dnnl_primitive> primitive;
        private final dnnl_exec_arg_t args;
        private final int count;
        private final String what;

        private Step(Handle<dnnl_primitive> primitive, dnnl_exec_arg_t args, int count, String what) {
            this.primitive = primitive;
            this.args = args;
            this.count = count;
            this.what = what;
        }

        void run(dnnl_memory in, dnnl_memory out) {
            args.getPointer(1).memory(in);
            args.getPointer(2).memory(out);
            runtime.pinThreads();
            check(dnnl_primitive_execute(primitive.get(), stream.get(), count, args), what);
            check(dnnl_stream_wait(stream.get()), "stream_wait");
        }

        @Override
        public void close() {
            primitive.close();
            args.close();
        }
    }

    /**
     * One layer at one size: its two primitive descriptors, and the primitives bound to their
     * arguments, reused every iteration. Each primitive (oneDNN generates its kernel code then) and
     * its weights' reorder is made on first use: a session in darknet's arithmetic never runs the
     * forward one.
     */
    private final class Prepared implements PreparedConvolution {
        private final int layer;
        private final Handle<dnnl_primitive_desc> forwardPd;
        /** oneDNN's backward data, or (transposed) the forward convolution with the transposed kernels. */
        private final Handle<dnnl_primitive_desc> backwardPd;

        private final boolean transposed;
        private final Function<dnnl_memory_desc, dnnl_memory> forwardKernels;
        private final Function<dnnl_memory_desc, dnnl_memory> backwardKernels;
        private final dnnl_memory bias;
        private Step forward;
        private Step backward;

        Prepared(
                int layer,
                Handle<dnnl_primitive_desc> forwardPd,
                Handle<dnnl_primitive_desc> backwardPd,
                boolean transposed,
                Function<dnnl_memory_desc, dnnl_memory> forwardKernels,
                Function<dnnl_memory_desc, dnnl_memory> backwardKernels,
                dnnl_memory bias) {
            this.layer = layer;
            this.forwardPd = forwardPd;
            this.backwardPd = backwardPd;
            this.transposed = transposed;
            this.forwardKernels = forwardKernels;
            this.backwardKernels = backwardKernels;
            this.bias = bias;
        }

        @Override
        public void forward(CpuTensor src, CpuTensor dst) {
            if (forward == null) {
                forward = step(forwardPd, forwardKernels, DNNL_ARG_SRC, DNNL_ARG_DST, bias, "forward " + layer);
            }
            forward.run(memory(src), memory(dst));
        }

        @Override
        public void backwardData(CpuTensor gradOut, CpuTensor gradIn) {
            if (backward == null) {
                backward = transposed
                        ? step(
                                backwardPd,
                                backwardKernels,
                                DNNL_ARG_SRC,
                                DNNL_ARG_DST,
                                null,
                                "backward data as forward " + layer)
                        : step(
                                backwardPd,
                                backwardKernels,
                                DNNL_ARG_DIFF_DST,
                                DNNL_ARG_DIFF_SRC,
                                null,
                                "backward data " + layer);
            }
            backward.run(memory(gradOut), memory(gradIn));
        }

        @Override
        public String describe() {
            return "layer " + layer + ": forward " + implementation(forwardPd) + ", backward data "
                    + (transposed ? "as forward " : "") + implementation(backwardPd);
        }

        @Override
        public void close() {
            if (forward != null) {
                forward.close();
            }
            if (backward != null) {
                backward.close();
            }
            forwardPd.close();
            backwardPd.close();
        }
    }

    /** Max pooling of non-overlapping windows by oneDNN: at full speed from the first call, bit-identical to the Java kernels. */
    @Override
    public Pooling maxpool(MaxpoolSpec pool, Shape in, Shape out, Activation below, CpuTensor argmax) {
        if (!OneDnnPooling.accepts(pool)) {
            return null;
        }
        OneDnnPooling pooling =
                OneDnnPooling.prepare(runtime, stream.get(), this::memory, pool, in, out, below, argmax);
        if (pooling == null) {
            return null;
        }
        track(pooling);
        return new Pooling() {
            @Override
            public void forward(CpuTensor x, CpuTensor y) {
                pooling.forward(x, y);
            }

            @Override
            public void backward(CpuTensor dy, CpuTensor dx, CpuTensor belowOutput) {
                pooling.backward(dy, dx, belowOutput);
            }

            @Override
            public long winnerBytes() {
                return pooling.winnerBytes();
            }

            @Override
            public void close() {
                release(pooling);
            }
        };
    }

    /** oneDNN keeps a window's winner as a byte (an int for windows of 256 cells or more), in the output's layout. */
    @Override
    public long maxpoolWinnerBytes(MaxpoolSpec pool, int index, Shape out) {
        long elements = Layout.BLOCKED.storageFloats(out);
        boolean bytes = index > 0 && OneDnnPooling.accepts(pool) && pool.size() * pool.size() < 256;
        return bytes ? elements : elements * Float.BYTES;
    }

    /** An activation's derivative by oneDNN: bit-identical to the Java kernels', at full speed from the first call. */
    @Override
    public ActivationGradient activationBackward(Shape out, Activation activation) {
        if (activation == Activation.LINEAR) {
            return null;
        }
        // Made on first use: below a max pooling layer the pooling applies the derivative itself.
        return new ActivationGradient() {
            private OneDnnActivationGradient gradient;

            @Override
            public void backward(CpuTensor delta, CpuTensor output, CpuTensor g) {
                if (gradient == null) {
                    gradient = OneDnnActivationGradient.prepare(
                            runtime, stream.get(), OneDnnConvolutions.this::memory, out, activation);
                    track(gradient);
                }
                gradient.backward(delta, output, g);
            }

            @Override
            public void close() {
                if (gradient != null) {
                    release(gradient);
                }
            }
        };
    }

    /** Batch norm and activation by oneDNN (the fast arithmetic): at full speed from the first call. */
    @Override
    public Normalization batchNorm(
            Shape out, ChannelParameters parameters, Activation activation, boolean darknetGradient) {
        OneDnnNormalization n = OneDnnNormalization.prepare(
                runtime, stream.get(), this::memory, out, parameters, activation, darknetGradient);
        track(n);
        return new Normalization() {
            @Override
            public void forward(CpuTensor z, CpuTensor a) {
                n.forward(z, a);
            }

            @Override
            public boolean backward(CpuTensor g, CpuTensor z) {
                return n.backward(g, z);
            }

            @Override
            public void close() {
                release(n);
            }
        };
    }

    private synchronized void track(AutoCloseable c) {
        perSize.add(c);
    }

    /** Closes {@code c} unless the session's close already has (its layer and the session may both try). */
    private void release(AutoCloseable c) {
        boolean mine;
        synchronized (this) {
            mine = perSize.remove(c);
        }
        if (mine) {
            BoundPrimitive.closeAll(List.of(c));
        }
    }

    /** The implementation oneDNN chose for each prepared layer (e.g. {@code jit:avx512_core}), for logs. */
    List<String> implementations() {
        return prepared.stream().map(PreparedConvolution::describe).toList();
    }

    /** Tests only: the kernels cached so far, and how many layouts each. */
    synchronized Map<KernelsKey, Integer> cachedKernels() {
        Map<KernelsKey, Integer> layouts = new HashMap<>();
        weights.forEach((key, list) -> layouts.put(key, list.size()));
        return layouts;
    }

    @Override
    public synchronized long weightBytes() {
        return reserved;
    }

    @Override
    public void endRun() {
        if (winograd != null) {
            winograd.endRun();
        }
    }

    @Override
    public synchronized void close() {
        prepared.forEach(PreparedConvolution::close);
        prepared.clear();
        BoundPrimitive.closeAll(List.copyOf(perSize));
        perSize.clear();
        if (winograd != null) {
            winograd.close();
        }
        weights.values().forEach(list -> list.forEach(Native::close));
        weights.clear();
        biases.values().forEach(Native::close);
        biases.clear();
        stream.close();
        arena.close();
        account.release(reserved);
        reserved = 0;
    }
}
