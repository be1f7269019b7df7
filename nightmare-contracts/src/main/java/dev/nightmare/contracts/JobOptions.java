package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.random.RandomMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The options of one nightmare job, as clients post them and as {@code request.json} and the
 * request message carry them: darknet's options (same names and defaults as its command line, see
 * {@link NightmareOptions}) plus the model name, seed, rng mode, output format and {@code maxSide}.
 * A null field means "darknet's default"; {@link #resolve} fills every default, and messages carry
 * only resolved options, so a worker never needs to know a default.
 *
 * @param model the model-store's model name
 * @param layer darknet's LAYER (0-based, maxpools count)
 * @param rounds rounds, one image each
 * @param iters iterations per round
 * @param range layers LAYER + r − range/2, r in [0, range)
 * @param octaves octaves drawn per iteration
 * @param rate step size
 * @param thresh amplification threshold in standard deviations
 * @param zoom between-rounds zoom
 * @param rotate between-rounds rotation in radians
 * @param norm standardise the update ({@code -norm 1})
 * @param reconstruct feature-inversion mode
 * @param momentum reconstruct mode's momentum
 * @param seed the random seed; recorded in the run info so the run reproduces
 * @param rng {@code seeded} (default) or {@code darknet} (glibc {@code rand()}, as darknet draws)
 * @param format round images as {@code jpg} (darknet's quality 80, default) or {@code png}
 * @param maxSide inputs whose longer side exceeds this are downscaled before the run; null: none
 * @param animate the rounds also as one video ({@link AnimateOptions}); null: none. Requests that
 *     carry it are {@link JobRequest#schemaVersionFor schema version 2}
 * @param bnGradient the batch-norm backward formula: null (or {@code darknet}, which resolves to
 *     null) darknet's, whose sums over each whole layer make batch-normalised models untileable;
 *     {@code exact} the exact gradient of the inference-mode network, which tiles (so a poster on
 *     Tiny Darknet runs in bounded memory). Requests that carry it are schema version 3
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobOptions(
        String model,
        Integer layer,
        Integer rounds,
        Integer iters,
        Integer range,
        Integer octaves,
        Float rate,
        Float thresh,
        Float zoom,
        Float rotate,
        Boolean norm,
        Boolean reconstruct,
        Float momentum,
        Long seed,
        String rng,
        String format,
        Integer maxSide,
        AnimateOptions animate,
        String bnGradient) {

    /** Largest {@code maxSide}: beyond it a downscale limit would not limit anything useful. */
    public static final int MAX_SIDE_LIMIT = 16_384;

    /** The default output format: darknet saves JPEG. */
    public static final String DEFAULT_FORMAT = "jpg";

    /** The default rng mode. */
    public static final String DEFAULT_RNG = "seeded";

    /** The batch-norm gradient that tiles ({@code bnGradient}); absent means darknet's. */
    public static final String EXACT_BN_GRADIENT = "exact";

    /** Options without a video: the fields of schema version 1. */
    public JobOptions(
            String model,
            Integer layer,
            Integer rounds,
            Integer iters,
            Integer range,
            Integer octaves,
            Float rate,
            Float thresh,
            Float zoom,
            Float rotate,
            Boolean norm,
            Boolean reconstruct,
            Float momentum,
            Long seed,
            String rng,
            String format,
            Integer maxSide) {
        this(
                model,
                layer,
                rounds,
                iters,
                range,
                octaves,
                rate,
                thresh,
                zoom,
                rotate,
                norm,
                reconstruct,
                momentum,
                seed,
                rng,
                format,
                maxSide,
                null,
                null);
    }

    /** These options with {@code animate} set (null: no video). */
    public JobOptions withAnimate(AnimateOptions animate) {
        return with(model, layer, animate, bnGradient);
    }

    /** These options with {@code bnGradient} set (null: darknet's). */
    public JobOptions withBnGradient(String bnGradient) {
        return with(model, layer, animate, bnGradient);
    }

    /**
     * These options with every absent field set to darknet's default, {@code seed} to {@code
     * seedIfAbsent} and {@code maxSide} to {@code maxSideIfAbsent} (which may be null).
     */
    public JobOptions resolve(long seedIfAbsent, Integer maxSideIfAbsent) {
        NightmareOptions d = NightmareOptions.builder(0).build();
        return new JobOptions(
                model,
                layer,
                or(rounds, d.rounds()),
                or(iters, d.iters()),
                or(range, d.range()),
                or(octaves, d.octaves()),
                or(rate, d.rate()),
                or(thresh, d.thresh()),
                or(zoom, d.zoom()),
                or(rotate, d.rotateRadians()),
                or(norm, d.normalize()),
                or(reconstruct, d.reconstruct()),
                or(momentum, d.momentum()),
                or(seed, seedIfAbsent),
                rng == null ? DEFAULT_RNG : rng.toLowerCase(Locale.ROOT),
                format == null ? DEFAULT_FORMAT : normaliseFormat(format),
                maxSide == null ? maxSideIfAbsent : maxSide,
                animate == null ? null : animate.resolve(),
                isExactBnGradient() ? EXACT_BN_GRADIENT : null);
    }

    /** These options with {@code model} and {@code layer} as given (the gateway's defaults fill them). */
    public JobOptions withModelAndLayer(String model, Integer layer) {
        return with(model, layer, animate, bnGradient);
    }

    private JobOptions with(String model, Integer layer, AnimateOptions animate, String bnGradient) {
        return new JobOptions(
                model,
                layer,
                rounds,
                iters,
                range,
                octaves,
                rate,
                thresh,
                zoom,
                rotate,
                norm,
                reconstruct,
                momentum,
                seed,
                rng,
                format,
                maxSide,
                animate,
                bnGradient);
    }

    /**
     * These options with every null field taken from {@code fallback} (a preset's, a recipe's):
     * the values given here win. Merged through the JSON form, so every field takes part.
     */
    public JobOptions orElse(JobOptions fallback) {
        if (fallback == null) {
            return this;
        }
        ObjectMapper mapper = ContractJson.shared();
        ObjectNode merged = mapper.valueToTree(fallback);
        merged.setAll((ObjectNode) mapper.valueToTree(this));
        try {
            return mapper.treeToValue(merged, JobOptions.class);
        } catch (JacksonException e) {
            throw new IllegalStateException("options " + this + " do not merge with " + fallback, e);
        }
    }

    /** True when no field that has a default is absent ({@code maxSide} may stay null). */
    @JsonIgnore
    public boolean isResolved() {
        return model != null
                && layer != null
                && rounds != null
                && iters != null
                && range != null
                && octaves != null
                && rate != null
                && thresh != null
                && zoom != null
                && rotate != null
                && norm != null
                && reconstruct != null
                && momentum != null
                && seed != null
                && rng != null
                && format != null
                && (animate == null || animate.isResolved());
    }

    /**
     * What is wrong with the fields the engine does not check (model name, layer present, rng,
     * format, maxSide), one problem per field; the engine's {@code Nightmare.problems} checks the
     * rest against the model and image.
     */
    public List<FieldProblem> problems() {
        List<FieldProblem> problems = new ArrayList<>();
        if (model == null || model.isBlank()) {
            problems.add(new FieldProblem("model", "model is required; list the models with GET /v1/models"));
        } else {
            ModelNames.problem(model).ifPresent(p -> problems.add(new FieldProblem("model", p)));
        }
        if (layer == null) {
            problems.add(new FieldProblem("layer", "layer is required (darknet's LAYER, 0-based)"));
        }
        if (rng != null && !rng.equalsIgnoreCase("seeded") && !rng.equalsIgnoreCase("darknet")) {
            problems.add(new FieldProblem("rng", "rng '" + rng + "' is unknown; expected seeded or darknet"));
        }
        if (format != null) {
            try {
                normaliseFormat(format);
            } catch (IllegalArgumentException e) {
                problems.add(new FieldProblem("format", "format '" + format + "' is unknown; expected jpg or png"));
            }
        }
        if (maxSide != null && (maxSide < 1 || maxSide > MAX_SIDE_LIMIT)) {
            problems.add(new FieldProblem(
                    "maxSide", "maxSide is " + maxSide + "; expected an integer from 1 to " + MAX_SIDE_LIMIT));
        }
        if (animate != null) {
            problems.addAll(animate.problems(rounds == null ? 1 : rounds));
        }
        if (bnGradient != null
                && !bnGradient.equalsIgnoreCase("darknet")
                && !bnGradient.equalsIgnoreCase(EXACT_BN_GRADIENT)) {
            problems.add(new FieldProblem(
                    "bnGradient",
                    "bnGradient '" + bnGradient + "' is unknown; expected darknet (the default) or exact (which"
                            + " tiles batch-normalised models such as tiny on large images)"));
        }
        return problems;
    }

    /** The engine's options; needs {@link #isResolved() resolved} options. */
    public NightmareOptions toEngine() {
        if (!isResolved()) {
            throw new IllegalStateException("options are not resolved: " + this);
        }
        return NightmareOptions.builder(layer)
                .rounds(rounds)
                .iters(iters)
                .range(range)
                .octaves(octaves)
                .rate(rate)
                .thresh(thresh)
                .zoom(zoom)
                .rotate(rotate)
                .normalize(norm)
                .reconstruct(reconstruct)
                .momentum(momentum)
                .random(RandomMode.fromName(rng), seed)
                .build();
    }

    /** The resolved options that describe this engine run: {@link #toEngine()} undone. */
    public static JobOptions fromEngine(String model, NightmareOptions o, String format, Integer maxSide) {
        return new JobOptions(
                model,
                o.layer(),
                o.rounds(),
                o.iters(),
                o.range(),
                o.octaves(),
                o.rate(),
                o.thresh(),
                o.zoom(),
                o.rotateRadians(),
                o.normalize(),
                o.reconstruct(),
                o.momentum(),
                o.seed(),
                o.randomMode().cliName(),
                normaliseFormat(format),
                maxSide);
    }

    /** Whether the exact batch-norm gradient was asked for (any case). */
    @JsonIgnore
    public boolean isExactBnGradient() {
        return EXACT_BN_GRADIENT.equalsIgnoreCase(bnGradient);
    }

    /** The engine's batch-norm gradient for these options. */
    @JsonIgnore
    public BatchNormGradient batchNormGradient() {
        return isExactBnGradient() ? BatchNormGradient.EXACT : BatchNormGradient.DARKNET;
    }

    /** The round images' codec format. */
    @JsonIgnore
    public ImageCodec.Format imageFormat() {
        return ImageCodec.Format.fromName(format == null ? DEFAULT_FORMAT : format);
    }

    private static String normaliseFormat(String format) {
        return ImageCodec.Format.fromName(format).extension();
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
