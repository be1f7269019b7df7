package dev.nightmare.gateway.rest;

import dev.nightmare.contracts.ModelPresets;
import dev.nightmare.contracts.ModelPresets.RecommendedLayer;
import dev.nightmare.contracts.ModelPresets.WeightsKind;
import dev.nightmare.contracts.Preset;
import dev.nightmare.contracts.Presets;
import dev.nightmare.gateway.service.ModelCatalog;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The presets ({@link Presets}, the catalogue the CLI uses too) of each model this gateway offers:
 * what a submission's {@code "preset": "NAME"} expands to, and the layers worth dreaming on.
 */
@Path("/v1/presets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "models")
@SecurityRequirement(name = "apiKey")
public class PresetResource {
    private final ModelCatalog models;

    public PresetResource(ModelCatalog models) {
        this.models = models;
    }

    /**
     * One model's presets.
     *
     * @param described false when the catalogue does not know the model: the general presets,
     *     which leave the layer to the client
     * @param weights where this version's weights come from: published, synthetic, or unknown
     */
    public record ModelPresetsView(
            String model,
            boolean described,
            String description,
            List<RecommendedLayer> recommendedLayers,
            String defaultPreset,
            List<Preset> presets,
            WeightsKind weights) {}

    @GET
    @Operation(
            summary = "Each model's presets",
            description = "Named options that give good dreams, per model; submit one with \"preset\": \"NAME\""
                    + " in the options (options given beside it win)")
    public List<ModelPresetsView> list() {
        return models.list().stream().map(PresetResource::view).toList();
    }

    private static ModelPresetsView view(ModelCatalog.ModelInfo m) {
        ModelPresets p = Presets.forModel(m.name());
        return new ModelPresetsView(
                m.name(),
                Presets.described(m.name()).isPresent(),
                p.description(),
                p.recommendedLayers(),
                p.defaultPreset(),
                p.presets(),
                p.weights(m.sha256()));
    }
}
