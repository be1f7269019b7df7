package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Optional;

/**
 * What the catalogue ({@link Presets}) says about one model: a description, the layers worth
 * dreaming on, its presets and which one a first dream should use, and the model versions whose
 * weights it knows. The model-independent fallback has no model name, layers or known weights.
 *
 * @param model the model-store's name; null for the fallback
 * @param description one or two sentences a person choosing a model reads
 * @param recommendedLayers the layers worth dreaming on, shallow to deep, each with a word
 * @param defaultPreset the preset a first dream should use (one of {@link #presets})
 * @param presets the presets, gentle first
 * @param knownWeights model versions (cfg + weights SHA-256) the catalogue recognises
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ModelPresets(
        String model,
        String description,
        List<RecommendedLayer> recommendedLayers,
        String defaultPreset,
        List<Preset> presets,
        List<KnownWeights> knownWeights) {

    public ModelPresets {
        recommendedLayers = recommendedLayers == null ? List.of() : List.copyOf(recommendedLayers);
        presets = presets == null ? List.of() : List.copyOf(presets);
        knownWeights = knownWeights == null ? List.of() : List.copyOf(knownWeights);
    }

    /** A layer worth dreaming on and, in a word or three, what it brings out. */
    public record RecommendedLayer(int layer, String why) {}

    /** Where a model version's weights come from. */
    public enum WeightsKind {
        /** darknet's published, trained weights: the dreams show what the network learned. */
        @JsonProperty("published")
        PUBLISHED,
        /** Deterministic synthetic weights ({@code nightmare synth-weights}): patterns, not things. */
        @JsonProperty("synthetic")
        SYNTHETIC,
        /** A version the catalogue does not know. */
        @JsonProperty("unknown")
        UNKNOWN
    }

    /**
     * @param modelSha256 the model version: SHA-256 of the cfg's bytes followed by the weights'
     * @param kind where the weights come from
     * @param note how they were made, e.g. the synthetic-weights seed
     */
    public record KnownWeights(String modelSha256, WeightsKind kind, String note) {}

    /** The preset called {@code name}, if this model has it. */
    public Optional<Preset> preset(String name) {
        return presets.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The preset a first dream should use. */
    @JsonIgnore
    public Preset firstDream() {
        return preset(defaultPreset).orElseThrow();
    }

    /** The presets' names, in the catalogue's order. */
    @JsonIgnore
    public List<String> presetNames() {
        return presets.stream().map(Preset::name).toList();
    }

    /** Where the weights of model version {@code modelSha256} come from, as far as the catalogue knows. */
    public WeightsKind weights(String modelSha256) {
        return knownWeights.stream()
                .filter(k -> k.modelSha256().equals(modelSha256))
                .map(KnownWeights::kind)
                .findFirst()
                .orElse(WeightsKind.UNKNOWN);
    }

    /** Whether model version {@code modelSha256} is known to have synthetic weights. */
    public boolean synthetic(String modelSha256) {
        return weights(modelSha256) == WeightsKind.SYNTHETIC;
    }
}
