package dev.nightmare.worker.service;

import java.nio.file.Path;

/**
 * Gets model files from the model-store: the current version of a name, and any version by its
 * SHA-256, verified against that hash before use.
 */
public interface ModelFetcher {
    /** A model version on local disk, verified. */
    record ModelFiles(String name, String sha256, Path cfg, Path weights) {}

    /**
     * The current version of {@code name}.
     *
     * @throws UnknownModelException when the model-store has no such model
     * @throws TransientException when the model-store cannot be reached
     */
    String currentVersion(String name);

    /**
     * The files of {@code name} at {@code sha256}, from the local cache or downloaded and verified.
     *
     * @throws UnknownModelException when the model-store does not keep that version
     * @throws TransientException when the model-store cannot be reached
     */
    ModelFiles fetch(String name, String sha256);
}
