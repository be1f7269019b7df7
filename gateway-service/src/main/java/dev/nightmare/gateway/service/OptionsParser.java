package dev.nightmare.gateway.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nightmare.contracts.FieldProblem;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.Presets;
import dev.nightmare.contracts.UnknownPresetException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Client options JSON to {@link JobOptions}, reporting every wrong field at once (unknown names,
 * wrong types, integers out of range, non-finite numbers) as 400 with one problem per field,
 * instead of stopping at the first as a data binder would. A {@code preset} name is expanded here:
 * its options under the ones given ({@link Presets}).
 */
public final class OptionsParser {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            // One object and nothing after it, as in a JSON body.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(8)
                        .maxStringLength(4096)
                        .build());
    }

    private static final Set<String> INTEGERS = Set.of("layer", "rounds", "iters", "range", "octaves", "maxSide");
    private static final Set<String> FLOATS = Set.of("rate", "thresh", "zoom", "rotate", "momentum");
    private static final Set<String> BOOLEANS = Set.of("norm", "reconstruct");
    private static final Set<String> STRINGS = Set.of("model", "rng", "format", "bnGradient");

    private OptionsParser() {}

    /** The options; a preset without a model is the {@code defaultModel}'s preset, where there is one. */
    public static JobOptions parse(String json, Optional<String> defaultModel) {
        if (json == null || json.isBlank()) {
            return parse(JSON.createObjectNode(), defaultModel); // the operator's defaults or "required" follow
        }
        try {
            return parse(JSON.readTree(json), defaultModel);
        } catch (IOException e) {
            throw ApiException.field(
                    400,
                    "options",
                    "options are not one valid JSON object (nothing may follow it): " + firstLine(e.getMessage()));
        }
    }

    public static JobOptions parse(JsonNode node, Optional<String> defaultModel) {
        if (node == null || node.isNull()) {
            node = JSON.createObjectNode();
        }
        if (!node.isObject()) {
            throw ApiException.field(400, "options", "options must be a JSON object");
        }
        List<FieldProblem> problems = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (INTEGERS.contains(name)) {
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    problems.add(new FieldProblem(name, name + " is " + value + "; expected an integer"));
                }
            } else if (FLOATS.contains(name)) {
                if (!value.isNumber()) {
                    problems.add(new FieldProblem(name, name + " is " + value + "; expected a number"));
                } else if (!Float.isFinite(value.floatValue())) {
                    problems.add(new FieldProblem(name, name + " is " + value + "; expected a finite number"));
                }
            } else if (BOOLEANS.contains(name)) {
                if (!value.isBoolean()) {
                    problems.add(new FieldProblem(name, name + " is " + value + "; expected true or false"));
                }
            } else if (name.equals("seed")) {
                if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                    problems.add(new FieldProblem(name, "seed is " + value + "; expected a 64-bit integer"));
                }
            } else if (name.equals("animate")) {
                problems.addAll(AnimateOptionsParser.problems(value));
            } else if (STRINGS.contains(name) || name.equals("preset")) {
                if (!value.isTextual()) {
                    problems.add(new FieldProblem(name, name + " is " + value + "; expected a string"));
                }
            } else {
                problems.add(new FieldProblem(
                        name,
                        "'" + name + "' is not an option; expected model, layer, rounds, iters, range, octaves, rate,"
                                + " thresh, zoom, rotate, norm, reconstruct, momentum, seed, rng, format, maxSide,"
                                + " animate, bnGradient, preset"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ApiException(400, "options have the wrong form", problems, 0);
        }
        JobOptions given = new JobOptions(
                text(node, "model"),
                integer(node, "layer"),
                integer(node, "rounds"),
                integer(node, "iters"),
                integer(node, "range"),
                integer(node, "octaves"),
                number(node, "rate"),
                number(node, "thresh"),
                number(node, "zoom"),
                number(node, "rotate"),
                bool(node, "norm"),
                bool(node, "reconstruct"),
                number(node, "momentum"),
                node.hasNonNull("seed") ? node.get("seed").longValue() : null,
                text(node, "rng"),
                text(node, "format"),
                integer(node, "maxSide"),
                AnimateOptionsParser.parse(node.get("animate")),
                text(node, "bnGradient"));
        String preset = text(node, "preset");
        return preset == null ? given : withPreset(given, preset, defaultModel);
    }

    /**
     * {@code given} over the preset's options: what the client gave wins. A preset belongs to a
     * model (each has its own layers), so it needs the model; an unknown name is 400 naming the
     * model's presets.
     */
    private static JobOptions withPreset(JobOptions given, String preset, Optional<String> defaultModel) {
        String model = given.model() != null ? given.model() : defaultModel.orElse(null);
        if (model == null) {
            throw ApiException.field(
                    422,
                    "model",
                    "model is missing; preset '" + preset + "' is one of a model's presets, so give model as well"
                            + " (GET /v1/presets lists each model's presets)");
        }
        try {
            return Presets.find(model, preset).applyTo(given);
        } catch (UnknownPresetException e) {
            throw ApiException.field(400, "preset", e.getMessage() + " (GET /v1/presets lists them)");
        }
    }

    private static String text(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).textValue() : null;
    }

    private static Integer integer(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).intValue() : null;
    }

    private static Float number(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).floatValue() : null;
    }

    private static Boolean bool(JsonNode node, String name) {
        return node.hasNonNull(name) ? node.get(name).booleanValue() : null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
