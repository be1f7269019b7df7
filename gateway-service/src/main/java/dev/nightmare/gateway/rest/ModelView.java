package dev.nightmare.gateway.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.Preset;
import dev.nightmare.contracts.Presets;
import dev.nightmare.gateway.service.ModelCatalog;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A model as API clients see it: what to show in a picker (name, description, the layers worth
 * dreaming on, whether the weights are synthetic) and each layer with its output shape.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Model")
public record ModelView(
        @Schema(description = "the name jobs use in options.model", required = true)
        String name,

        @Schema(description = "a name to show") String displayName,

        @Schema(description = "what the model is, from the operator")
        String description,

        @Schema(description = "the version: SHA-256 of the cfg then the weights bytes", required = true)
        String sha256,

        @Schema(
                description = "true when the weights are the deterministic synthetic stand-ins, not"
                        + " trained ones: dreams then show the network's structure, not what it learned")
        boolean synthetic,

        @Schema(description = "the highest layer a job may name (layers 0..this)", required = true)
        int lastTargetableLayer,

        @Schema(description = "layers that give good dreams, as the operator suggests them")
        List<Integer> recommendedLayers,

        @Schema(description = "every layer with its output shape for a 256×256 input")
        List<Layer> layers,

        @Schema(
                description = "named options that give good dreams on this model (also GET /v1/presets);"
                        + " submit with \"preset\": NAME")
        List<Preset> presets) {

    /** One layer of the cfg; fields its type does not have are absent. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @Schema(name = "Layer")
    public record Layer(
            @Schema(description = "darknet's layer index, from 0")
            int index,

            @Schema(description = "convolutional, maxpool, avgpool, softmax, …")
            String type,

            Integer filters,
            @Schema(description = "kernel size") Integer size,
            Integer stride,
            Integer padding,

            @Schema(description = "darknet's activation name")
            String activation,

            Boolean batchNormalize,

            @Schema(description = "the output shape for a 256×256 input")
            Output output) {}

    /** A layer's output shape, darknet's planar channels × height × width. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @Schema(name = "LayerOutput")
    public record Output(int channels, int height, int width) {}

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The view of the model-store's description of {@code model}. */
    static ModelView of(ModelCatalog.ModelInfo model) {
        var meta = model.metadata();
        List<Integer> recommended = meta.hasNonNull("suggestedLayers")
                ? JSON.convertValue(
                        meta.get("suggestedLayers"),
                        JSON.getTypeFactory().constructCollectionType(List.class, Integer.class))
                : List.of();
        List<Layer> layers = meta.hasNonNull("layers")
                ? JSON.convertValue(
                        meta.get("layers"), JSON.getTypeFactory().constructCollectionType(List.class, Layer.class))
                : List.of();
        String displayName = meta.path("displayName").asText(model.name());
        String description = meta.path("description").asText("");
        return new ModelView(
                model.name(),
                displayName.isBlank() ? model.name() : displayName,
                description.isBlank() ? null : description,
                model.sha256(),
                meta.path("synthetic").asBoolean(false),
                model.lastTargetableLayer(),
                recommended,
                layers,
                Presets.forModel(model.name()).presets());
    }
}
