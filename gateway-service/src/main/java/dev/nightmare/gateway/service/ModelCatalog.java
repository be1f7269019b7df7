package dev.nightmare.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.engine.model.NetworkSpec;
import java.util.List;
import java.util.Optional;

/**
 * The models a job may use, as the model-store describes them. Throws {@link
 * ModelStoreUnavailableException} when the model-store cannot answer.
 */
public interface ModelCatalog {
    List<ModelInfo> list();

    Optional<ModelInfo> find(String name);

    /** The parsed cfg of exactly this model version (cached by sha256). */
    NetworkSpec spec(ModelInfo model);

    /**
     * One model version.
     *
     * @param sha256 the version: SHA-256 of cfg then weights bytes
     * @param lastTargetableLayer the highest LAYER a job may name
     * @param metadata the model-store's metadata document as it sent it (layers listed), for clients
     */
    record ModelInfo(String name, String sha256, int lastTargetableLayer, JsonNode metadata) {}
}
