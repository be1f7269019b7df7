package dev.nightmare.engine.cpu.onednn;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.cpu.CpuBackend;
import dev.nightmare.engine.cpu.KernelChoice;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.random.IterationDraws;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The oneDNN backend ({@code --backend onednn}, priority 200): direct convolutions from oneDNN
 * through {@code org.bytedeco:dnnl}, everything else in Vector API kernels. Unavailable, with the
 * reason, where the bundled natives cannot load (only linux-x86_64 ships).
 */
public final class OneDnnBackendProvider implements BackendProvider {
    public static final String NAME = "onednn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 200;
    }

    static final String BACKWARD_DATA = "onednn.backwardData";

    static final String DEFAULT_BACKWARD_DATA = "forward";

    @Override
    public Optional<String> unavailableReason() {
        return OneDnnRuntime.load(BackendConfig.defaults().threads());
    }

    static final String PRIMITIVE_CACHE = "onednn.primitiveCache";

    /**
     * oneDNN keeps up to this many primitives in its own cache after their owners destroy them (its
     * default, 1024, held ~80 MB unseen after 40 vgg-conv sizes here). The session's own cache of
     * preparations, counted in the budget, does the reuse; this one only spares re-making a size
     * dropped a moment ago (a vgg-conv size has ~26 primitives).
     */
    static final int DEFAULT_PRIMITIVE_CACHE = 64;

    @Override
    public Backend create(BackendConfig config) {
        int primitiveCache = primitiveCache(config);
        OneDnnRuntime runtime = new OneDnnRuntime(config.threads(), primitiveCache);
        String device = "oneDNN " + OneDnnRuntime.version() + " on the CPU, " + config.threads() + " thread"
                + (config.threads() == 1 ? "" : "s");
        boolean transposedForward = backwardDataAsForward(config);
        int winogradMinChannels = winogradMinChannels(config);
        boolean winogradOnlyWhenWarm = winogradOnlyWhenWarm(config);
        KernelChoice kernelChoice = CpuBackend.kernels(config);
        return new CpuBackend(
                NAME,
                device,
                config.threads(),
                (model, workers, account, kernels) -> new OneDnnConvolutions(
                        runtime,
                        model,
                        transposedForward,
                        winogradMinChannels > 0 ? new Winograd(runtime, workers, winogradMinChannels, account) : null,
                        winogradOnlyWhenWarm ? kernels::vector : () -> true,
                        account),
                // What the sessions opened now will prepare: direct until warm under auto.
                (spec, target, width, height, octaves, threads) -> convolutionBytes(
                        spec,
                        target,
                        width,
                        height,
                        octaves,
                        threads,
                        winogradOnlyWhenWarm && !kernelChoice.vector() ? 0 : winogradMinChannels),
                CpuBackend.budget(config),
                CpuBackend.keepPreparations(config),
                primitiveCache * CpuBackend.PREPARATION_BYTES,
                kernelChoice,
                runtime);
    }

    /** {@code onednn.primitiveCache}: primitives oneDNN's own cache keeps (default 64). */
    static int primitiveCache(BackendConfig config) {
        String value = config.property(PRIMITIVE_CACHE, Integer.toString(DEFAULT_PRIMITIVE_CACHE));
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(PRIMITIVE_CACHE + " must be a whole number ≥ 0, got '" + value + "'");
    }

    /**
     * What a session's convolutions hold for layers 0..target at the working sizes of {@code
     * octaves} octaves of {@code width × height}: each Winograd layer's transformed kernels (both
     * directions, one layout whatever the size) and the largest part scratch times the threads; each
     * direct layer's kernels in oneDNN's blocked layout, as stored and transposed; the biases.
     */
    static long convolutionBytes(
            NetworkSpec spec, int target, int width, int height, int octaves, int threads, int minChannels) {
        long bytes = 0;
        long scratch = 0;
        List<List<Shape>> sizes = new ArrayList<>();
        List<Shape> inputs = new ArrayList<>();
        for (int octave = 0; octave < Math.max(1, octaves); octave++) {
            float scale = new IterationDraws(0, octave, 0, 0, false).scale();
            int w = (int) (width * scale), h = (int) (height * scale);
            sizes.add(spec.outputShapes(w, h, target));
            inputs.add(new Shape(spec.channels(), h, w));
        }
        for (int i = 0; i <= target; i++) {
            if (!(spec.layer(i) instanceof ConvolutionalSpec conv)) {
                continue;
            }
            int channels =
                    i == 0 ? spec.channels() : sizes.getFirst().get(i - 1).channels();
            int filters = conv.filters();
            boolean winograd = minChannels > 0
                    && i > 0
                    && conv.size() == 3
                    && conv.stride() == 1
                    && conv.padding() == 1
                    && channels >= minChannels
                    && filters >= minChannels;
            if (winograd) {
                for (int o = 0; o < sizes.size(); o++) {
                    Shape in = i == 0 ? inputs.get(o) : sizes.get(o).get(i - 1);
                    scratch = Math.max(scratch, Winograd.partScratchBytes(channels, filters, in, threads));
                }
                bytes += 2 * Winograd.kernelBytes(channels, filters);
            } else {
                long padded = (long) Layout.blocks(channels) * Layout.BLOCK * Layout.blocks(filters) * Layout.BLOCK;
                bytes += 2 * padded * conv.size() * conv.size() * Float.BYTES;
            }
            bytes += (long) filters * Float.BYTES;
        }
        return bytes + threads * scratch;
    }

    static final String WINOGRAD = "onednn.winograd";

    static final String WINOGRAD_MIN_CHANNELS = "onednn.winogradMinChannels";

    static final int DEFAULT_WINOGRAD_MIN_CHANNELS = 64;

    /**
     * The fewest input and output channels of a 3×3 stride-1 layer run by Winograd F(4×4, 3×3), or 0
     * when {@code onednn.winograd=off}; with {@code auto}, only once the backend is warm. {@code onednn.winogradMinChannels} (default 64) lowers it,
     * e.g. for tests on small models.
     */
    static int winogradMinChannels(BackendConfig config) {
        String on = winograd(config);
        String min = config.property(WINOGRAD_MIN_CHANNELS, Integer.toString(DEFAULT_WINOGRAD_MIN_CHANNELS));
        int value;
        try {
            value = Integer.parseInt(min);
        } catch (NumberFormatException e) {
            value = 0;
        }
        if (value < 1) {
            throw new IllegalArgumentException(
                    WINOGRAD_MIN_CHANNELS + " must be a whole number of channels ≥ 1, got '" + min + "'");
        }
        return on.equals("off") ? 0 : value;
    }

    static final String DEFAULT_WINOGRAD = "auto";

    /**
     * {@code onednn.winograd}: {@code on}, {@code off} or {@code auto} (the default): Winograd only at
     * sizes prepared once the backend is warm ({@code CpuBackend#warmUp}, as a worker and the bench
     * do). Its transforms are Vector API code, 5–15× slower until C2 has compiled them; oneDNN's
     * direct convolution is at full speed from its first call, and a short command's run never
     * warms up: darknet's default scream run was 0.93× as long with it, a 40-iteration one 0.95×
     * (docs/benchmarks.md, issue 18).
     */
    static String winograd(BackendConfig config) {
        String value = config.property(WINOGRAD, DEFAULT_WINOGRAD);
        if (!value.equals("on") && !value.equals("off") && !value.equals("auto")) {
            throw new IllegalArgumentException(WINOGRAD + " must be on, off or auto, got '" + value + "'");
        }
        return value;
    }

    /** Whether Winograd waits for the backend to be warm ({@code onednn.winograd=auto}). */
    static boolean winogradOnlyWhenWarm(BackendConfig config) {
        return winograd(config).equals("auto");
    }

    /**
     * {@code onednn.backwardData}: {@code forward} (default: stride-1 backward-data as oneDNN's
     * forward convolution with transposed kernels, 0–6 % faster per vgg-conv iteration here,
     * docs/benchmarks.md) or {@code onednn} (oneDNN's backward-data primitive).
     */
    static boolean backwardDataAsForward(BackendConfig config) {
        String value = config.property(BACKWARD_DATA, DEFAULT_BACKWARD_DATA);
        if (!value.equals("forward") && !value.equals("onednn")) {
            throw new IllegalArgumentException(BACKWARD_DATA + " must be forward or onednn, got '" + value + "'");
        }
        return value.equals("forward");
    }
}
