package dev.nightmare.modelstore.rest;

import dev.nightmare.modelstore.ModelEntry;
import dev.nightmare.modelstore.ModelVersion;
import java.util.List;

/**
 * One row of {@code GET /v1/models}; version fields are null for a broken model. {@code synthetic}:
 * the weights are the deterministic synthetic stand-ins, not trained ones.
 */
public record ModelSummary(
        String name,
        String displayName,
        String description,
        String sha256,
        String cfgSha256,
        String weightsSha256,
        Integer layerCount,
        Long parameterCount,
        Long weightsBytes,
        List<Integer> suggestedLayers,
        Boolean synthetic,
        String status,
        String reason) {

    static ModelSummary of(ModelEntry entry) {
        if (!entry.isReady()) {
            return new ModelSummary(
                    entry.name(),
                    entry.name(),
                    "",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    List.of(),
                    null,
                    "broken",
                    entry.reason());
        }
        return of(entry.current(), "ready");
    }

    static ModelSummary of(ModelVersion v, String status) {
        return new ModelSummary(
                v.name(),
                v.metadata().displayName(),
                v.metadata().description(),
                v.sha256(),
                v.cfgSha256(),
                v.weightsSha256(),
                v.spec().size(),
                v.spec().weightFloats(),
                v.weightsBytes(),
                v.metadata().suggestedLayers(),
                v.synthetic(),
                status,
                null);
    }
}
