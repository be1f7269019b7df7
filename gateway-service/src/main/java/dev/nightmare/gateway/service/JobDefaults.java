package dev.nightmare.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.gateway.config.DefaultsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Fills a request's absent model and layer: the operator's default model, then the model's first
 * recommended layer (its metadata's {@code suggestedLayers}), then the operator's default layer.
 * What stays absent is reported by {@link JobOptions#problems()} as required.
 */
@ApplicationScoped
public class JobDefaults {
    private final Optional<String> model;
    private final Optional<Integer> layer;

    public JobDefaults(DefaultsConfig config) {
        this.model = config.model().filter(name -> !name.isBlank());
        this.layer = config.layer().isPresent() ? Optional.of(config.layer().getAsInt()) : Optional.empty();
    }

    /** {@code options} with model and layer filled where they were absent and a default exists. */
    public JobOptions apply(JobOptions options, ModelCatalog models) {
        if (options.model() != null && options.layer() != null) {
            return options;
        }
        String name = options.model() != null ? options.model() : model.orElse(null);
        Integer chosen = options.layer();
        if (chosen == null && name != null) {
            chosen = models.find(name)
                    .flatMap(JobDefaults::firstRecommendedLayer)
                    .or(() -> layer)
                    .orElse(null);
        }
        return options.withModelAndLayer(name, chosen);
    }

    private static Optional<Integer> firstRecommendedLayer(ModelCatalog.ModelInfo model) {
        JsonNode suggested = model.metadata() == null ? null : model.metadata().get("suggestedLayers");
        if (suggested == null
                || !suggested.isArray()
                || suggested.isEmpty()
                || !suggested.get(0).canConvertToInt()) {
            return Optional.empty();
        }
        return Optional.of(suggested.get(0).intValue());
    }
}
