package dev.nightmare.modelclient;

import java.nio.file.Path;

/**
 * A model version on local disk, verified: pass {@code cfg} and {@code weights} to the engine's
 * {@code Model.load(cfg, weights, warnings)}, whose {@code sha256()} will equal {@code sha256}.
 *
 * @param name the model name
 * @param sha256 the version: SHA-256 of the cfg bytes followed by the weights bytes
 * @param cfg {@code <cacheDir>/<sha256>/NAME.cfg}
 * @param weights {@code <cacheDir>/<sha256>/NAME.weights}
 * @param fromCache true when nothing was downloaded
 */
public record ModelFiles(String name, String sha256, Path cfg, Path weights, boolean fromCache) {}
