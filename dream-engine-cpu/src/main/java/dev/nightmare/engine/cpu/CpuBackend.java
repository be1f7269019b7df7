package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.util.List;

/**
 * A CPU backend: the shared blocked-layout session ({@link CpuSession}) with one way of computing
 * convolutions. Owns a fixed pool of {@code threads} Java threads, shared by its sessions; each
 * session is used by one thread at a time, and sessions may run on different threads at once. Its
 * sessions' native memory is held within one {@link NativeBudget}.
 */
public final class CpuBackend implements Backend {
    /**
     * Backend property: the most bytes of per-size preparations a session keeps between runs (k/m/g
     * suffixes as {@link NativeBudget#PROPERTY}); the least recently used sizes beyond it are
     * dropped when a run ends.
     */
    public static final String KEEP_PREPARATIONS = "cpu.keepPreparations";

    static final String DEFAULT_KEEP_PREPARATIONS = "64m";

    /**
     * What one convolution's preparation at one working size holds natively, as the memory budget
     * counts it: its oneDNN primitives (forward and backward data: generated code and descriptors)
     * or its Winograd matmuls' share. Measured on vgg-conv to layer 10 (8 convolutions) over 40
     * sizes: resident memory grew by 1.55 MB per size kept beyond what dropping every size left,
     * about 200 KB per convolution (docs/benchmarks.md); this rounds up.
     */
    public static final long PREPARATION_BYTES = 256L << 10;

    /** The budget {@link NativeBudget#PROPERTY} sets (default: none). */
    public static NativeBudget budget(BackendConfig config) {
        return NativeBudget.parse(config.property(NativeBudget.PROPERTY, ""));
    }

    /** The form {@link KernelChoice#PROPERTY} sets (default {@code auto}). */
    public static KernelChoice kernels(BackendConfig config) {
        return KernelChoice.parse(config.property(KernelChoice.PROPERTY, "auto"));
    }

    /** The bytes {@link #KEEP_PREPARATIONS} sets (default 64 MiB). */
    public static long keepPreparations(BackendConfig config) {
        return NativeBudget.bytes(config.property(KEEP_PREPARATIONS, DEFAULT_KEEP_PREPARATIONS), KEEP_PREPARATIONS, 0);
    }

    private final String name;
    private final String device;
    private final Workers workers;
    private final Convolutions.Factory convolutions;
    private final WorkingSetEstimator estimator;
    private final AutoCloseable resources;
    private final NativeBudget budget;
    private final long keepPreparations;
    private final long residentBytes;
    private final KernelChoice choice;

    /**
     * @param convolutions makes a model's convolutions (called once per session)
     * @param estimator what a job's working set is on this backend's convolutions
     * @param budget the limit of its sessions' native memory together
     * @param keepPreparations bytes of per-size preparations a session keeps between runs
     * @param residentBytes what the backend holds itself whatever its sessions do (a native library's
     *     caches), reserved in the budget for its life
     * @param choice which form the sessions' Java kernels run in
     * @param resources closed with the backend after its threads stop (may be null)
     */
    public CpuBackend(
            String name,
            String device,
            int threads,
            Convolutions.Factory convolutions,
            WorkingSetEstimator estimator,
            NativeBudget budget,
            long keepPreparations,
            long residentBytes,
            KernelChoice choice,
            AutoCloseable resources) {
        budget.reserve(residentBytes, () -> "what backend " + name + " keeps itself", () -> false);
        this.name = name;
        this.device = device;
        this.workers = new Workers(threads);
        this.convolutions = convolutions;
        this.estimator = estimator;
        this.budget = budget;
        this.keepPreparations = keepPreparations;
        this.residentBytes = residentBytes;
        this.choice = choice;
        this.resources = resources;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String device() {
        return device;
    }

    public int threads() {
        return workers.threads();
    }

    @Override
    public DreamSession open(Model model, SessionOptions options) {
        return open(model, options, choice);
    }

    private DreamSession open(Model model, SessionOptions options, KernelChoice kernels) {
        NativeBudget.Account account = budget.open();
        try {
            return new CpuSession(
                    this,
                    model,
                    options,
                    workers,
                    convolutions.create(model, workers, account, kernels),
                    account,
                    keepPreparations,
                    kernels);
        } catch (RuntimeException e) {
            account.close();
            throw e;
        }
    }

    /** Which form the sessions' Java kernels run in. */
    public KernelChoice kernels() {
        return choice;
    }

    /**
     * Runs {@link WarmUp}'s synthetic dream with the vector kernels until they are compiled, then
     * (in {@code cpu.javaKernels=auto}) switches every session to them.
     */
    @Override
    public void warmUp() {
        if (choice.mode() == KernelChoice.Mode.SCALAR) {
            return;
        }
        WarmUp.run(m -> open(m, SessionOptions.DEFAULT, new KernelChoice(KernelChoice.Mode.VECTOR)));
        choice.warmedUp();
    }

    @Override
    public long nativeBytes() {
        return budget.held();
    }

    @Override
    public long nativeBudget() {
        return budget.limit();
    }

    /** What the backend holds itself (reserved in the budget for its life), besides its sessions. */
    public long residentBytes() {
        return residentBytes;
    }

    /** The budget, for tests and reports (its peak). */
    public NativeBudget budget() {
        return budget;
    }

    /**
     * {@inheritDoc} Here: the buffers of the octave-0 size (as {@link WorkingSize#bufferBytes} lays
     * them out), the preparations of every octave's size ({@link #PREPARATION_BYTES}
     * per convolution), the image and its gradient, and what the convolutions hold (weights,
     * scratch).
     */
    @Override
    public long estimateWorkingSet(NetworkSpec spec, int targetLayer, int width, int height, int octaves) {
        Shape input = new Shape(spec.channels(), height, width);
        List<Shape> shapes = spec.outputShapes(width, height, targetLayer);
        long bytes = WorkingSize.bufferBytes(spec, input, shapes, targetLayer, List.of(targetLayer));
        bytes += 2 * Buffers.bytes(input, Layout.PLANAR); // the caller's image and its gradient
        int convolutionLayers = 0;
        for (int i = 0; i <= targetLayer; i++) {
            convolutionLayers += spec.layer(i) instanceof ConvolutionalSpec ? 1 : 0;
        }
        bytes += (long) Math.max(1, octaves) * convolutionLayers * PREPARATION_BYTES;
        return bytes + estimator.convolutionBytes(spec, targetLayer, width, height, octaves, workers.threads());
    }

    @Override
    public void close() {
        budget.release(residentBytes);
        workers.close();
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing backend " + name, e);
            }
        }
    }
}
