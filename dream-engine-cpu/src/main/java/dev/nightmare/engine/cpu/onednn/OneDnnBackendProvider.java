package dev.nightmare.engine.cpu.onednn;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.cpu.CpuBackend;
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

    @Override
    public Backend create(BackendConfig config) {
        OneDnnRuntime runtime = new OneDnnRuntime(config.threads());
        String device = "oneDNN " + OneDnnRuntime.version() + " on the CPU, " + config.threads() + " thread"
                + (config.threads() == 1 ? "" : "s");
        boolean transposedForward = backwardDataAsForward(config);
        int winogradMinChannels = winogradMinChannels(config);
        return new CpuBackend(
                NAME,
                device,
                config.threads(),
                (model, workers) -> new OneDnnConvolutions(
                        runtime,
                        model,
                        transposedForward,
                        winogradMinChannels > 0 ? new Winograd(runtime, workers, winogradMinChannels) : null),
                runtime);
    }

    static final String WINOGRAD = "onednn.winograd";

    static final String WINOGRAD_MIN_CHANNELS = "onednn.winogradMinChannels";

    static final int DEFAULT_WINOGRAD_MIN_CHANNELS = 64;

    /**
     * The fewest input and output channels of a 3×3 stride-1 layer run by Winograd F(4×4, 3×3), or 0
     * when {@code onednn.winograd=off}. {@code onednn.winogradMinChannels} (default 64) lowers it,
     * e.g. for tests on small models.
     */
    static int winogradMinChannels(BackendConfig config) {
        String on = config.property(WINOGRAD, "on");
        if (!on.equals("on") && !on.equals("off")) {
            throw new IllegalArgumentException(WINOGRAD + " must be on or off, got '" + on + "'");
        }
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
        return on.equals("on") ? value : 0;
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
