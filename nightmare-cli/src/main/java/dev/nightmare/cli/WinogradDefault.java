package dev.nightmare.cli;

import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.WorkEstimate;
import dev.nightmare.engine.model.NetworkSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CPU backend's convolution algorithm for one command, when the command does not name one.
 * The backend's own default ({@code onednn.winograd=auto}) runs direct convolutions in a process
 * that has not warmed up, because Winograd's transforms are Vector API code that runs several
 * times slower until the JIT's top tier has compiled it (about half a second of two cores). A long
 * run repays that many times over: measured in pairs on 2 cores (docs/benchmarks.md, issue 18),
 * Winograd from the first iteration was even at 0.4–0.5 TFLOP of work, 1.09–1.11× faster at 1.07
 * TFLOP (256² × 20 or 512² × 5 iterations of vgg-conv) and 1.51× at 4.3 TFLOP (512² × 20), for
 * 150–175 MB more memory. Posters gain most: a 4096×3072 vgg-conv iteration took 35 s against 58
 * s, in a lower peak (their tiles are sized by the backend's estimate of the state of the algorithm
 * it runs, so the budget holds either way). So a run of at least {@link #LONG_RUN_FLOPS} asks for
 * Winograd; the choice is a function of the recipe (model, options, image size), so a rerun makes
 * it again, and it is written into the output's recipe as the backend option it is.
 */
final class WinogradDefault {
    static final String PROPERTY = "onednn.winograd";

    /** The backend the property is for (a runtime dependency of the command, so named here). */
    static final String BACKEND = "onednn";

    /** Work from which Winograd's warm-up is repaid by at least ~10 % of the run: 1 TFLOP. */
    static final long LONG_RUN_FLOPS = 1_000_000_000_000L;

    private WinogradDefault() {}

    /**
     * {@code given} with {@code onednn.winograd=on} added when the run is long and the backend may
     * be oneDNN's; else {@code given} itself.
     *
     * @param backendName the backend asked for ({@code auto} or a name)
     * @param width the input's width, as decoded
     * @param height the input's height
     */
    static Map<String, String> forRun(
            Map<String, String> given,
            String backendName,
            boolean fastArithmetic,
            NetworkSpec spec,
            NightmareOptions options,
            int width,
            int height) {
        // Reconstruct mode runs at the network's own (small) size.
        if (given.containsKey(PROPERTY) || !fastArithmetic || !mayBeOneDnn(backendName) || options.reconstruct()) {
            return given;
        }
        if (WorkEstimate.of(spec, options, width, height).flops() < LONG_RUN_FLOPS) {
            return given;
        }
        Map<String, String> properties = new LinkedHashMap<>(given);
        properties.put(PROPERTY, "on");
        return properties;
    }

    private static boolean mayBeOneDnn(String backendName) {
        return backendName.equals(Backends.AUTO) || backendName.equals(BACKEND);
    }
}
