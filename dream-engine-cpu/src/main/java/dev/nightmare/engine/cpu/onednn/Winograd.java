package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.Dnnl.desc;
import static dev.nightmare.engine.cpu.onednn.OneDnnRuntime.check;
import static dev.nightmare.engine.cpu.onednn.WinogradTransforms.POSITIONS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_abc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_matmul_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.NativeBudget;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.cpu.onednn.OneDnnConvolutions.Native;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * 3×3, stride-1, padding-1 convolutions (forward, and backward-data as the forward convolution with
 * transposed kernels) by Winograd's F(4×4, 3×3): {@link WinogradTransforms} in Java, the 36 matrix
 * products per block of tiles in one oneDNN batched matmul. 4× fewer multiplications than oneDNN's
 * direct convolution, which is already near the machine's peak, so it is the only way left to go
 * faster on VGG-like stacks.
 *
 * <p>Each worker part (one thread) takes a contiguous run of tile blocks and does all three steps
 * of a block before the next, so a block's transformed tiles (a few MB) stay in that core's caches;
 * its matmul runs on that thread alone (OpenMP's count set to 1 on it, and the primitive created so). Every
 * output tile depends only on its own input tile and the kernels, and the block split is fixed per
 * (size, thread count), so results are deterministic.
 */
final class Winograd implements AutoCloseable {
    /**
     * Target size of one block's transformed tiles (about half an L2 cache here) and the fewest
     * tiles per block: below ~128 rows oneDNN's matmul re-reads the kernels (up to 38 MB for a
     * 512-channel layer) too often; measured single-threaded, 512→512 at 64²: 16 rows ran the
     * matmul at 30 GFLOP/s, 128 at ~100, 256 at ~120.
     */
    private static final long BLOCK_BYTES = 1L << 20;

    private static final int MIN_ROWS = 128;

    private final OneDnnRuntime runtime;
    private final Workers workers;
    private final int minChannels;
    /** The session's share of the native budget: the part scratch is reserved in it. */
    private final NativeBudget.Account account;

    private final Map<MatmulShape, Matmul> matmuls = new HashMap<>();
    /** How many prepared layers use each matmul: one no layer uses is closed. */
    private final Map<MatmulShape, Integer> users = new HashMap<>();
    /**
     * One per worker part ({@link Workers#split(int, Workers.Part)}): a session runs on one thread
     * at a time, so a part's scratch is never used by two threads at once, and there are never more
     * than the thread count, whichever threads call over a session's life.
     */
    private final PartScratch[] scratch;

    /**
     * @param minChannels the fewest input and output channels a layer needs to run here (below it
     *     the transforms cost more than the multiplications saved)
     */
    Winograd(OneDnnRuntime runtime, Workers workers, int minChannels, NativeBudget.Account account) {
        this.runtime = runtime;
        this.workers = workers;
        this.minChannels = minChannels;
        this.account = account;
        this.scratch = new PartScratch[workers.threads()];
    }

    Winograd(OneDnnRuntime runtime, Workers workers, int minChannels) {
        this(runtime, workers, minChannels, NativeBudget.unlimited().open());
    }

    /** Whether a layer of this shape runs here. */
    boolean accepts(ConvolutionalSpec conv, Shape in, Layout inLayout) {
        return runtime.canSetThreads()
                && inLayout == Layout.BLOCKED
                && conv.size() == 3
                && conv.stride() == 1
                && conv.padding() == 1 // so the output has the input's size
                && in.channels() >= minChannels
                && conv.filters() >= minChannels;
    }

    /** One batched matmul shape: 36 × (rows × in) · (in × out), channels padded to blocks of 16. */
    private record MatmulShape(int rows, int in, int out) {
        long bytes() {
            return (long) POSITIONS * rows * Math.max(in, out) * Float.BYTES;
        }

        /** The transformed tiles, {@code [36][rows][in]}. */
        Handle<dnnl_memory_desc> src() {
            return desc(new long[] {POSITIONS, rows, in}, dnnl_abc);
        }

        /** The products, {@code [36][rows][out]}. */
        Handle<dnnl_memory_desc> dst() {
            return desc(new long[] {POSITIONS, rows, out}, dnnl_abc);
        }
    }

    /**
     * A matmul primitive, made once per shape on a thread whose OpenMP count is 1 and run by every
     * worker thread at once, each with its own scratchpad (with oneDNN's library-managed one, two
     * threads running one primitive at once gave wrong results).
     */
    private record Matmul(
            MatmulShape shape, Handle<dnnl_primitive_desc> pd, Handle<dnnl_primitive> primitive, long scratchpadBytes)
            implements AutoCloseable {
        dnnl_memory_desc weights() {
            return dnnl_primitive_desc_query_md(pd.get(), dnnl_query_weights_md, 0);
        }

        dnnl_memory_desc scratchpad() {
            return dnnl_primitive_desc_query_md(pd.get(), dnnl_query_scratchpad_md, 0);
        }

        @Override
        public void close() {
            primitive.close();
            pd.close();
        }
    }

    /** The matmul of {@code shape}, made on first use, counted as used once more. */
    private synchronized Matmul matmul(MatmulShape shape) {
        Matmul m = matmulFor(shape);
        users.merge(shape, 1, Integer::sum);
        return m;
    }

    /** One use of {@code shape}'s matmul ended: the last closes it, with every part's arguments for it. */
    private synchronized void unuse(MatmulShape shape) {
        int left = users.merge(shape, -1, Integer::sum);
        if (left > 0) {
            return;
        }
        users.remove(shape);
        for (PartScratch p : scratch) {
            if (p != null) {
                p.unbind(shape);
            }
        }
        Matmul m = matmuls.remove(shape);
        if (m != null) {
            m.close();
        }
    }

    private Matmul matmulFor(MatmulShape shape) {
        Matmul existing = matmuls.get(shape);
        if (existing != null) {
            return existing;
        }
        try (Handle<dnnl_memory_desc> src = shape.src();
                Handle<dnnl_memory_desc> weights =
                        desc(new long[] {POSITIONS, shape.in(), shape.out()}, dnnl_format_tag_any);
                Handle<dnnl_memory_desc> dst = shape.dst();
                Handle<dnnl_primitive_attr> attr = Dnnl.deterministic(null)) {
            check(
                    dnnl_primitive_attr_set_scratchpad_mode(attr.get(), dnnl_scratchpad_mode_user),
                    "set_scratchpad_mode");
            // oneDNN sizes a primitive's thread team when it is created: make it for one thread.
            runtime.ompThreads(1);
            try (Handle<dnnl_primitive_desc> pd = Dnnl.primitiveDesc(
                            p -> dnnl_matmul_primitive_desc_create(
                                    p, runtime.engine, src.get(), weights.get(), null, dst.get(), attr.get()),
                            "Winograd matmul " + shape);
                    Handle<dnnl_primitive> primitive =
                            Dnnl.primitive(pd.get(), "primitive_create (Winograd matmul " + shape + ")")) {
                runtime.pinThreads();
                long scratchpad =
                        dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd.get(), dnnl_query_scratchpad_md, 0));
                Matmul m = new Matmul(shape, pd.move(), primitive.move(), scratchpad);
                matmuls.put(shape, m);
                return m;
            }
        }
    }

    /**
     * A worker part's scratch: one block's transformed input and matmul output, its own stream
     * (a stream must not be used by two threads at once), and the matmul arguments bound to the scratch.
     */
    private final class PartScratch implements AutoCloseable {
        private final Handle<dnnl_stream> stream = runtime.newStream();
        /** The transforms' scratch (native, like everything they read and write). */
        private final Arena tmpArena = Arena.ofShared();

        final MemorySegment tmp = tmpArena.allocate((long) WinogradTransforms.SCRATCH_FLOATS * Float.BYTES, 64);
        private Arena arena;
        private long capacity;
        MemorySegment v;
        MemorySegment m;
        private final Map<MatmulShape, Bound> bound = new HashMap<>();

        /** Arguments of one matmul over this thread's scratch (scratchpad null when it needs none). */
        private record Bound(Native src, Native dst, Native scratchpad, dnnl_exec_arg_t args, int count)
                implements AutoCloseable {
            @Override
            public void close() {
                src.close();
                dst.close();
                if (scratchpad != null) {
                    scratchpad.close();
                }
                args.close();
            }
        }

        /** Bytes reserved in the session's account: v, m and the scratchpads bound over them. */
        private long reserved;

        /** Makes the scratch big enough for {@code shape}'s blocks. */
        void reserve(MatmulShape shape) {
            if (shape.bytes() > capacity) {
                release();
                long bytes = Math.max(shape.bytes(), BLOCK_BYTES);
                account.reserve(2 * bytes, () -> "Winograd scratch of one thread");
                reserved = 2 * bytes;
                arena = Arena.ofShared();
                capacity = bytes;
                v = arena.allocate(capacity, 64);
                m = arena.allocate(capacity, 64);
            }
        }

        /** Drops the arguments bound for {@code shape} (its scratchpad stays in the arena until released). */
        void unbind(MatmulShape shape) {
            Bound b = bound.remove(shape);
            if (b != null) {
                b.close();
            }
        }

        /** Runs {@code matmul} (reserved for) from {@code v} into {@code m}. */
        void execute(Matmul matmul, dnnl_memory weights) {
            MatmulShape shape = matmul.shape();
            Bound b = bound.computeIfAbsent(shape, s -> bind(matmul));
            b.args().getPointer(0).memory(weights);
            check(
                    dnnl_primitive_execute(matmul.primitive().get(), stream.get(), b.count(), b.args()),
                    "Winograd matmul " + shape);
            check(dnnl_stream_wait(stream.get()), "stream_wait");
        }

        /** {@code matmul}'s arguments over this part's scratch; what it made is closed if a step fails. */
        private Bound bind(Matmul matmul) {
            MatmulShape shape = matmul.shape();
            long scratchpadBytes = matmul.scratchpadBytes();
            if (scratchpadBytes > 0) {
                account.reserve(scratchpadBytes, () -> "a Winograd matmul's scratchpad");
                reserved += scratchpadBytes;
            }
            MemorySegment scratchpadData = scratchpadBytes > 0 ? arena.allocate(scratchpadBytes, 64) : null;
            int count = scratchpadData == null ? 3 : 4;
            Native src = null, dst = null, scratchpad = null;
            dnnl_exec_arg_t args = null;
            try {
                src = Native.over(shape.src(), v, runtime);
                dst = Native.over(shape.dst(), m, runtime);
                if (scratchpadData != null) {
                    scratchpad = Native.over(Dnnl.copyOf(matmul.scratchpad()), scratchpadData, runtime);
                }
                args = new dnnl_exec_arg_t(count);
                args.getPointer(0).arg(DNNL_ARG_WEIGHTS);
                args.getPointer(1).arg(DNNL_ARG_SRC).memory(src.memory());
                args.getPointer(2).arg(DNNL_ARG_DST).memory(dst.memory());
                if (scratchpad != null) {
                    args.getPointer(3).arg(DNNL_ARG_SCRATCHPAD).memory(scratchpad.memory());
                }
                return new Bound(src, dst, scratchpad, args, count);
            } catch (RuntimeException e) {
                if (args != null) {
                    args.close();
                }
                for (Native made : new Native[] {scratchpad, dst, src}) {
                    if (made != null) {
                        made.close();
                    }
                }
                throw e;
            }
        }

        private void release() {
            bound.values().forEach(Bound::close);
            bound.clear();
            if (arena != null) {
                arena.close();
                arena = null;
            }
            capacity = 0;
            account.release(reserved);
            reserved = 0;
        }

        @Override
        public void close() {
            release();
            tmpArena.close();
            stream.close();
        }
    }

    /** The end of a run: every part's scratch goes (made again by the next run's first Winograd layer). */
    synchronized void endRun() {
        for (PartScratch p : scratch) {
            if (p != null) {
                p.release();
            }
        }
    }

    /** Matmul primitives held now (tests: one per shape a prepared layer uses). */
    synchronized int matmulCount() {
        return matmuls.size();
    }

    /** Part scratches made so far (for tests: at most the thread count). */
    synchronized int scratchStates() {
        int n = 0;
        for (PartScratch s : scratch) {
            n += s == null ? 0 : 1;
        }
        return n;
    }

    private synchronized PartScratch scratch(int part) {
        if (scratch[part] == null) {
            scratch[part] = new PartScratch();
        }
        return scratch[part];
    }

    /**
     * A layer's kernels (or its transposed ones) in a matmul's weights layout: {@code fill} writes
     * them plain ({@code dims}, abc) on the first request, later ones are a cache lookup.
     */
    @FunctionalInterface
    interface WeightsSource {
        dnnl_memory weights(KernelsKey key, Consumer<MemorySegment> fill, long[] dims, dnnl_memory_desc wanted);
    }

    /** Layer {@code layer} for an input of shape {@code in} (its output has the same size). */
    OneDnnConvolutions.PreparedConvolution prepare(
            int layer,
            ConvolutionalSpec conv,
            ConvolutionalWeights w,
            Shape in,
            boolean biasAndActivation,
            WeightsSource source) {
        return new Layer(layer, conv, w, in, biasAndActivation, source);
    }

    /** Tiles per block of a layer with {@code tiles} tiles and these padded channel counts. */
    static int rows(int tiles, int cPad, int kPad, int threads) {
        // As many blocks as fit BLOCK_BYTES, rounded up to a multiple of the thread count so no
        // thread waits for another's extra block.
        long perRow = (long) POSITIONS * Math.max(cPad, kPad) * Float.BYTES;
        int maxRows = (int) Math.max(MIN_ROWS, BLOCK_BYTES / perRow);
        int n = (tiles + maxRows - 1) / maxRows;
        n = Math.min(tiles, (n + threads - 1) / threads * threads);
        // An odd row count keeps the 36 position planes (rows × channels floats apart) off
        // multiples of 4 KiB: 128 rows of 64 channels put all 36 in the same L1 sets.
        // Measured: vgg-conv 512² median 0.670 → 0.623 s over 5 alternating pairs.
        int even = (tiles + n - 1) / n;
        int rows = even % 2 == 0 && even < tiles ? even + 1 : even;
        // A one-row matmul gets another oneDNN kernel (avx2 here) with its own weights layout: a
        // second copy of the layer's transformed kernels for tiny sizes. Three rows (the extra
        // ones stale, their products unused) keep one layout per layer whatever the size.
        return Math.max(rows, MIN_MATMUL_ROWS);
    }

    /** The fewest rows a matmul is made with (see {@link #rows(int, int, int, int)}). */
    static final int MIN_MATMUL_ROWS = 3;

    /** Tiles per block of a layer of these channels at input {@code in}. */
    static int rows(Shape in, int channels, int filters, int threads) {
        int tiles = WinogradTransforms.tiles(in.width()) * WinogradTransforms.tiles(in.height());
        return rows(tiles, Layout.blocks(channels) * Layout.BLOCK, Layout.blocks(filters) * Layout.BLOCK, threads);
    }

    /**
     * One worker part's scratch for a layer of these channels at input {@code in}: its transformed
     * tiles and products (v and m), as {@link PartScratch#reserve} sizes them.
     */
    static long partScratchBytes(int channels, int filters, Shape in, int threads) {
        int cPad = Layout.blocks(channels) * Layout.BLOCK, kPad = Layout.blocks(filters) * Layout.BLOCK;
        int tiles = WinogradTransforms.tiles(in.width()) * WinogradTransforms.tiles(in.height());
        long forward = new MatmulShape(rows(tiles, cPad, kPad, threads), cPad, kPad).bytes();
        long backward = new MatmulShape(rows(tiles, kPad, cPad, threads), kPad, cPad).bytes();
        return 2 * Math.max(BLOCK_BYTES, Math.max(forward, backward));
    }

    /** Bytes of one direction's transformed kernels ({@code [36][cPad][kPad]}). */
    static long kernelBytes(int channels, int filters) {
        return (long) POSITIONS
                * Layout.blocks(channels)
                * Layout.BLOCK
                * Layout.blocks(filters)
                * Layout.BLOCK
                * Float.BYTES;
    }

    private final class Layer implements OneDnnConvolutions.PreparedConvolution {
        private final int layer;
        private final int h;
        private final int w;
        private final int tilesX;
        private final int tiles;
        private final int inBlocks;
        private final int outBlocks;
        private final int rows;
        private final int blocks;
        private final float[] bias;
        private final boolean activate;
        private final float slope;
        private final Matmul forward;
        private final Matmul backward;
        /**
         * Each direction's transformed kernels, made on the first call that runs it (a session in
         * darknet's forward arithmetic never runs the forward: 47 MB and their transform saved for
         * vgg-conv), a cache lookup on later calls.
         */
        private final Supplier<dnnl_memory> forwardWeights;

        private final Supplier<dnnl_memory> backwardWeights;

        Layer(
                int layer,
                ConvolutionalSpec conv,
                ConvolutionalWeights weights,
                Shape in,
                boolean biasAndActivation,
                WeightsSource source) {
            this.layer = layer;
            this.h = in.height();
            this.w = in.width();
            this.tilesX = WinogradTransforms.tiles(w);
            this.tiles = tilesX * WinogradTransforms.tiles(h);
            int channels = in.channels(), filters = conv.filters();
            this.inBlocks = Layout.blocks(channels);
            this.outBlocks = Layout.blocks(filters);
            int cPad = inBlocks * Layout.BLOCK, kPad = outBlocks * Layout.BLOCK;
            this.rows = rows(tiles, cPad, kPad, workers.threads());
            this.blocks = (tiles + rows - 1) / rows;
            if (biasAndActivation) {
                bias = new float[kPad];
                System.arraycopy(weights.biases(), 0, bias, 0, filters);
                activate = conv.activation() != Activation.LINEAR;
                slope = conv.activation() == Activation.LEAKY ? 0.1f : 0f;
            } else {
                bias = null;
                activate = false;
                slope = 0f;
            }
            this.forward = matmul(new MatmulShape(rows, cPad, kPad));
            this.backward = matmul(new MatmulShape(rows, kPad, cPad));
            float[] kernels = weights.kernels();
            this.forwardWeights = () -> source.weights(
                    KernelsKey.of(layer),
                    u -> WinogradTransforms.kernels(kernels, filters, channels, cPad, kPad, u),
                    new long[] {POSITIONS, cPad, kPad},
                    forward.weights());
            this.backwardWeights = () -> source.weights(
                    KernelsKey.transposedOf(layer),
                    u -> WinogradTransforms.kernels(
                            ConvolutionalWeights.transposeFlipped(kernels, filters, channels, 3),
                            channels,
                            filters,
                            kPad,
                            cPad,
                            u),
                    new long[] {POSITIONS, kPad, cPad},
                    backward.weights());
        }

        @Override
        public void forward(CpuTensor src, CpuTensor dst) {
            run(src, dst, forward, forwardWeights.get(), inBlocks, outBlocks, bias, activate, slope);
        }

        @Override
        public void backwardData(CpuTensor gradOut, CpuTensor gradIn) {
            run(gradOut, gradIn, backward, backwardWeights.get(), outBlocks, inBlocks, null, false, 0f);
        }

        private void run(
                CpuTensor src,
                CpuTensor dst,
                Matmul matmul,
                dnnl_memory weights,
                int srcBlocks,
                int dstBlocks,
                float[] bias,
                boolean activate,
                float slope) {
            MemorySegment in = src.data(), out = dst.data();
            workers.split(blocks, (part, from, to) -> {
                runtime.ompThreads(1);
                PartScratch s = scratch(part);
                s.reserve(matmul.shape());
                for (int b = from; b < to; b++) {
                    int tile0 = b * rows, count = Math.min(rows, tiles - tile0);
                    // The matmul reads the (stale) rows past count too: they only feed rows skipped below.
                    WinogradTransforms.input(in, srcBlocks, h, w, tilesX, tile0, count, s.v, rows, s.tmp);
                    s.execute(matmul, weights);
                    WinogradTransforms.output(
                            s.m, dstBlocks, rows, tile0, count, out, h, w, tilesX, bias, activate, slope, s.tmp);
                }
            });
        }

        @Override
        public String describe() {
            return "layer " + layer + ": Winograd F(4x4,3x3), " + blocks + " blocks of " + rows
                    + " tiles, oneDNN matmul for forward and backward data";
        }

        /** Gives back this layer's uses of its matmuls (the weights belong to the convolutions object). */
        @Override
        public void close() {
            unuse(forward.shape());
            unuse(backward.shape());
        }
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < scratch.length; i++) {
            if (scratch[i] != null) {
                scratch[i].close();
                scratch[i] = null;
            }
        }
        matmuls.values().forEach(Matmul::close);
        matmuls.clear();
        users.clear();
    }
}
