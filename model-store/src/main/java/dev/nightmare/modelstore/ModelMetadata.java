package dev.nightmare.modelstore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The optional {@code NAME.json} beside a model: how to present it. Unknown fields are ignored;
 * {@code suggestedLayers} must be layers nightmare can target.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelMetadata(String displayName, String description, List<Integer> suggestedLayers) {
    public ModelMetadata {
        suggestedLayers = suggestedLayers == null ? List.of() : List.copyOf(suggestedLayers);
    }

    /** What a model without {@code NAME.json} shows: its name, no description, no suggestions. */
    public static ModelMetadata defaults(String name) {
        return new ModelMetadata(name, "", List.of());
    }

    /** Fills a missing display name / description. */
    public ModelMetadata withDefaults(String name) {
        return new ModelMetadata(
                displayName == null || displayName.isBlank() ? name : displayName,
                description == null ? "" : description,
                suggestedLayers);
    }
}
