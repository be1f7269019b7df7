package dev.nightmare.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.contracts.AnimateOptions;
import dev.nightmare.contracts.FieldProblem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code options.animate} as clients send it: an object {@code {"format": "mp4"|"gif", "fps": N,
 * "interpolate": N}} (or null: no video), each wrong field reported with its dotted name ({@code
 * animate.fps}); {@link AnimateOptions#problems} checks the values once the shape is right.
 */
final class AnimateOptionsParser {
    private AnimateOptionsParser() {}

    /** What is wrong with the shape of {@code value} (types, unknown fields), one problem per field. */
    static List<FieldProblem> problems(JsonNode value) {
        List<FieldProblem> problems = new ArrayList<>();
        if (value == null || value.isNull()) {
            return problems;
        }
        if (!value.isObject()) {
            problems.add(new FieldProblem(
                    "animate", "animate is " + value + "; expected an object such as {\"format\":\"mp4\",\"fps\":24}"));
            return problems;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = "animate." + field.getKey();
            JsonNode v = field.getValue();
            if (v.isNull()) {
                continue;
            }
            switch (field.getKey()) {
                case "format" -> {
                    if (!v.isTextual()) {
                        problems.add(new FieldProblem(name, name + " is " + v + "; expected mp4 or gif"));
                    }
                }
                case "fps", "interpolate" -> {
                    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                        String example = field.getKey().equals("fps")
                                ? "frames per second, e.g. 24"
                                : "frames between rounds, e.g. 2";
                        problems.add(new FieldProblem(name, name + " is " + v + "; expected an integer: " + example));
                    }
                }
                default ->
                    problems.add(new FieldProblem(
                            name, "'" + name + "' is not an option; expected format, fps or interpolate"));
            }
        }
        return problems;
    }

    /** The options of a well-formed {@code value} ({@link #problems} found none), or null. */
    static AnimateOptions parse(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        return new AnimateOptions(
                value.hasNonNull("format") ? value.get("format").textValue() : null,
                value.hasNonNull("fps") ? value.get("fps").intValue() : null,
                value.hasNonNull("interpolate") ? value.get("interpolate").intValue() : null);
    }
}
