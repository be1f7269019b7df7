package dev.nightmare.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A named recipe for good dreams: a partial option set with the names of {@link JobOptions} (and
 * of the CLI's darknet options), applied under the options a client gives, so explicit values win.
 *
 * @param name the name clients give ({@code "preset": "gentle"}, {@code --preset gentle})
 * @param label the name as a person reads it
 * @param description one line: what the dream looks like
 * @param options the options it sets (only dream options: never model, seed, rng, format or
 *     maxSide); absent fields keep darknet's defaults or what the client gave
 */
public record Preset(String name, String label, String description, JobOptions options) {
    private static final ObjectMapper MAPPER = ContractJson.shared();

    /**
     * {@code given} with every field it leaves null taken from this preset: explicit (non-null)
     * values win. The result is not resolved: the defaults neither sets are still null.
     */
    public JobOptions applyTo(JobOptions given) {
        return given == null ? options : given.orElse(options);
    }

    /** The option names this preset sets, in {@link JobOptions}' order. */
    public List<String> optionNames() {
        List<String> names = new ArrayList<>();
        ObjectNode tree = MAPPER.valueToTree(options);
        tree.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * The preset as darknet's command-line options, e.g. {@code -range 3 -iters 20 -rate 0.01}
     * (the layer, when it sets one, is the LAYER word first; {@code norm} is {@code -norm 0|1},
     * {@code reconstruct} the flag).
     */
    public String commandLine() {
        List<String> words = new ArrayList<>();
        ObjectNode tree = MAPPER.valueToTree(options);
        if (tree.has("layer")) {
            words.add(tree.get("layer").asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "layer" -> {}
                case "norm" -> words.add("-norm " + (e.getValue().asBoolean() ? 1 : 0));
                case "reconstruct" -> {
                    if (e.getValue().asBoolean()) {
                        words.add("-reconstruct");
                    }
                }
                default -> words.add("-" + e.getKey() + " " + e.getValue().asText());
            }
        }
        return String.join(" ", words);
    }
}
