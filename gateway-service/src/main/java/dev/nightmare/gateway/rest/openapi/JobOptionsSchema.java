package dev.nightmare.gateway.rest.openapi;

import dev.nightmare.contracts.JobOptions;
import dev.nightmare.engine.dream.NightmareOptions;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * The job options as the document describes them: each field's meaning, darknet's default (read
 * from {@link NightmareOptions} and {@link JobOptions}, not restated) and its range.
 */
final class JobOptionsSchema {
    private JobOptionsSchema() {}

    /** One option's documentation; null members are left out. */
    private record Doc(String description, Object defaultValue, Number minimum, Number maximum, List<Object> values) {
        static Doc of(String description) {
            return new Doc(description, null, null, null, null);
        }

        Doc byDefault(Object value) {
            return new Doc(description, value, minimum, maximum, values);
        }

        Doc range(Number min, Number max) {
            return new Doc(description, defaultValue, min, max, values);
        }

        Doc oneOf(Object... allowed) {
            return new Doc(description, defaultValue, minimum, maximum, List.of(allowed));
        }
    }

    /** Every option's documentation, in the record's order. */
    static Map<String, Doc> docs() {
        NightmareOptions d = NightmareOptions.builder(0).build();
        Map<String, Doc> docs = new LinkedHashMap<>();
        docs.put(
                "model",
                Doc.of("the model's name (GET /v1/models); absent: the operator's default model (tiny locally)"));
        docs.put(
                "layer",
                Doc.of("darknet's LAYER: the layer whose activations are amplified, 0-based, maxpools counted;"
                                + " 0..the model's lastTargetableLayer. Absent: the model's first recommended layer")
                        .range(0, null));
        docs.put(
                "rounds",
                Doc.of("rounds; one image is stored after each")
                        .byDefault(d.rounds())
                        .range(1, NightmareOptions.MAX_ROUNDS));
        docs.put(
                "iters",
                Doc.of("gradient-ascent iterations per round")
                        .byDefault(d.iters())
                        .range(1, NightmareOptions.MAX_ITERS));
        docs.put(
                "range",
                Doc.of("per iteration the layer is LAYER + r − range/2 for a random r in [0, range)")
                        .byDefault(d.range())
                        .range(1, NightmareOptions.MAX_RANGE));
        docs.put(
                "octaves",
                Doc.of("per iteration the working scale is 1/1.33333333^o for a random o in [0, octaves)")
                        .byDefault(d.octaves())
                        .range(1, NightmareOptions.MAX_OCTAVES));
        docs.put(
                "rate", Doc.of("step size of each iteration; any finite number").byDefault(d.rate()));
        docs.put(
                "thresh",
                Doc.of("only activations above mean + thresh·standard deviation are amplified")
                        .byDefault(d.thresh()));
        docs.put(
                "zoom",
                Doc.of("after each round the centre zoom·size is cropped and resized back; 1 is none")
                        .byDefault(d.zoom())
                        .range(null, NightmareOptions.MAX_ZOOM));
        docs.put(
                "rotate",
                Doc.of("after each round the image turns by this many radians").byDefault(d.rotateRadians()));
        docs.put(
                "norm",
                Doc.of("standardise each update before the step (darknet's -norm 1)")
                        .byDefault(d.normalize()));
        docs.put(
                "reconstruct",
                Doc.of("feature inversion instead of a dream: rebuild the image from layer LAYER−1's features")
                        .byDefault(d.reconstruct()));
        docs.put("momentum", Doc.of("reconstruct mode's momentum").byDefault(d.momentum()));
        docs.put(
                "seed",
                Doc.of("the random seed; absent: a fresh one, reported in run.seed so the run can be repeated")
                        .range(null, null));
        docs.put(
                "rng",
                Doc.of("seeded: the fast generator; darknet: glibc rand() as darknet draws, to reproduce its bytes")
                        .byDefault(JobOptions.DEFAULT_RNG)
                        .oneOf("seeded", "darknet"));
        docs.put(
                "format",
                Doc.of("round images as JPEG (darknet's quality 80) or PNG")
                        .byDefault(JobOptions.DEFAULT_FORMAT)
                        .oneOf("jpg", "png"));
        docs.put(
                "maxSide",
                Doc.of("inputs whose longer side exceeds this are downscaled first; absent: the operator's default")
                        .range(1, JobOptions.MAX_SIDE_LIMIT));
        docs.put(
                "animate",
                Doc.of("the rounds also as one video (mp4 or gif) at fps frames per second, with interpolate frames"
                        + " blended between rounds; GET /v1/nightmares/{id}/video once the job succeeded"));
        docs.put(
                "bnGradient",
                Doc.of("the batch-norm backward formula: darknet's (absent), or exact, which lets batch-normalised"
                                + " models such as tiny run large images in exact tiles within the worker's memory")
                        .byDefault("darknet")
                        .oneOf("darknet", JobOptions.EXACT_BN_GRADIENT));
        docs.put(
                PRESET,
                Doc.of("a preset's name (GET /v1/presets): its options fill in what these options leave out, so"
                        + " the options given win; needs model"));
        return docs;
    }

    /** Read by the gateway's options parser only: expanded there, never stored, so not a record field. */
    private static final String PRESET = "preset";

    static void describe(Schema schema) {
        if (schema.getProperties() != null && !schema.getProperties().containsKey(PRESET)) {
            schema.addProperty(PRESET, OASFactory.createSchema().addType(Schema.SchemaType.STRING));
        }
        schema.description(
                "How to dream: darknet's nightmare options with darknet's defaults, plus model, seed,"
                        + " rng, format, maxSide, animate and bnGradient. Every field is optional; absent fields take the default shown.");
        Map<String, Doc> docs = docs();
        if (schema.getProperties() == null) {
            return;
        }
        for (Map.Entry<String, Schema> property : schema.getProperties().entrySet()) {
            Doc doc = docs.get(property.getKey());
            if (doc == null) {
                continue;
            }
            Schema field = property.getValue();
            field.description(doc.description());
            if (doc.defaultValue() instanceof Float f) {
                // 0.04, not the float's binary expansion 0.03999999910593033.
                field.defaultValue(new BigDecimal(Float.toString(f)));
            } else if (doc.defaultValue() != null) {
                field.defaultValue(doc.defaultValue());
            }
            if (doc.minimum() != null) {
                field.minimum(new BigDecimal(doc.minimum().toString()));
            }
            if (doc.maximum() != null) {
                field.maximum(new BigDecimal(doc.maximum().toString()));
            }
            if (doc.values() != null) {
                field.enumeration(new ArrayList<>(doc.values()));
            }
        }
    }
}
