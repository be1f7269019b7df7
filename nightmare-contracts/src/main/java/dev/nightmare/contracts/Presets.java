package dev.nightmare.contracts;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one catalogue of presets and model descriptions ({@code presets.json} beside this class):
 * per model name a description, the layers worth dreaming on, named presets and the default one,
 * plus model-independent presets for any other model. The gateway lists and applies them, the
 * CLI's {@code --preset} applies them: explicit options always win ({@link Preset#applyTo}).
 *
 * <pre>{@code
 * JobOptions options = Presets.find("tiny", "gentle").applyTo(given);   // then resolve(...)
 * ModelPresets tiny = Presets.forModel("tiny");   // description, recommendedLayers, presets
 * boolean synthetic = tiny.synthetic(modelSha256);
 * }</pre>
 */
public final class Presets {
    /** The catalogue's resource, beside this class. */
    public static final String RESOURCE = "presets.json";

    /** Options a preset may set: the dream's, never the model, seed, rng, format or maxSide. */
    public static final Set<String> PRESET_OPTIONS = Set.of(
            "layer",
            "rounds",
            "iters",
            "range",
            "octaves",
            "rate",
            "thresh",
            "zoom",
            "rotate",
            "norm",
            "reconstruct",
            "momentum");

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** The catalogue's JSON form. */
    record Catalogue(int schemaVersion, List<ModelPresets> models, ModelPresets fallback) {}

    private static final Catalogue CATALOGUE = load();

    private Presets() {}

    /** The models the catalogue describes, in its order. */
    public static List<ModelPresets> models() {
        return CATALOGUE.models();
    }

    /** The model-independent presets (no layer: the client's), for models the catalogue does not describe. */
    public static ModelPresets fallback() {
        return CATALOGUE.fallback();
    }

    /** The catalogue's entry for {@code model}, if it describes it. */
    public static Optional<ModelPresets> described(String model) {
        return CATALOGUE.models().stream().filter(m -> m.model().equals(model)).findFirst();
    }

    /** The entry for {@code model}, or the {@link #fallback()} when the catalogue does not describe it. */
    public static ModelPresets forModel(String model) {
        return described(model).orElse(CATALOGUE.fallback());
    }

    /**
     * The preset {@code preset} of {@code model} (of the fallback for a model not described).
     *
     * @throws UnknownPresetException naming the presets the model has
     */
    public static Preset find(String model, String preset) {
        ModelPresets entry = forModel(model);
        return entry.preset(preset)
                .orElseThrow(() -> new UnknownPresetException(
                        model, preset, entry.presetNames(), described(model).isPresent()));
    }

    private static Catalogue load() {
        try (InputStream in = Presets.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing beside " + Presets.class.getName());
            }
            ObjectMapper mapper = ContractJson.mapper();
            Catalogue catalogue = mapper.readValue(in, Catalogue.class);
            List<String> problems = problems(catalogue);
            if (!problems.isEmpty()) {
                throw new IllegalStateException(RESOURCE + " is invalid: " + String.join("; ", problems));
            }
            return catalogue;
        } catch (IOException e) {
            throw new UncheckedIOException(RESOURCE + " cannot be read", e);
        }
    }

    /** What is wrong with the catalogue, one line each. */
    static List<String> problems(Catalogue catalogue) {
        List<String> problems = new ArrayList<>();
        if (catalogue.schemaVersion() != 1) {
            problems.add("schemaVersion " + catalogue.schemaVersion() + " is not 1");
        }
        if (catalogue.fallback() == null || catalogue.models() == null) {
            problems.add("models and fallback are required");
            return problems;
        }
        Set<String> models = new HashSet<>();
        for (ModelPresets m : catalogue.models()) {
            if (!ModelNames.isValid(m.model()) || !models.add(m.model())) {
                problems.add("model '" + m.model() + "' is not a model name or is listed twice");
            }
            entryProblems(m.model(), m, true, problems);
        }
        if (catalogue.fallback().model() != null) {
            problems.add("the fallback names a model");
        }
        entryProblems("the fallback", catalogue.fallback(), false, problems);
        return problems;
    }

    private static void entryProblems(String what, ModelPresets m, boolean described, List<String> problems) {
        if (m.description() == null || m.description().isBlank()) {
            problems.add(what + ": description is missing");
        }
        if (m.presets().isEmpty()) {
            problems.add(what + ": no presets");
        }
        if (m.preset(m.defaultPreset()).isEmpty()) {
            problems.add(what + ": defaultPreset '" + m.defaultPreset() + "' is not one of its presets");
        }
        if (!described && (!m.recommendedLayers().isEmpty() || !m.knownWeights().isEmpty())) {
            problems.add(what + ": only a model has recommended layers and known weights");
        }
        int previous = -1;
        for (ModelPresets.RecommendedLayer l : m.recommendedLayers()) {
            if (l.layer() <= previous || l.why() == null || l.why().isBlank()) {
                problems.add(what + ": recommended layer " + l.layer() + " is out of order or has no word");
            }
            previous = l.layer();
        }
        for (ModelPresets.KnownWeights k : m.knownWeights()) {
            if (k.modelSha256() == null || !k.modelSha256().matches("[0-9a-f]{64}") || k.kind() == null) {
                problems.add(what + ": known weights need a model SHA-256 and a kind");
            }
        }
        Set<String> names = new HashSet<>();
        for (Preset p : m.presets()) {
            if (p.name() == null || !NAME.matcher(p.name()).matches() || !names.add(p.name())) {
                problems.add(what + ": preset name '" + p.name() + "' is not lower-case letters, digits and '-'"
                        + " or is given twice");
            }
            if (p.label() == null
                    || p.label().isBlank()
                    || p.description() == null
                    || p.description().isBlank()) {
                problems.add(what + ": preset " + p.name() + " needs a label and a description");
            }
            if (p.options() == null || p.optionNames().isEmpty()) {
                problems.add(what + ": preset " + p.name() + " sets no options");
                continue;
            }
            for (String option : p.optionNames()) {
                if (!PRESET_OPTIONS.contains(option)) {
                    problems.add(what + ": preset " + p.name() + " sets " + option + "; presets set only "
                            + String.join(", ", PRESET_OPTIONS.stream().sorted().toList()));
                }
            }
            if (!described && p.options().layer() != null) {
                problems.add(what + ": preset " + p.name() + " sets a layer, which only a model's presets may");
            }
            if (p.options().rounds() == null) {
                problems.add(what + ": preset " + p.name() + " must set rounds (a dream is shown round by round)");
            }
        }
    }
}
