package dev.nightmare.modelstore;

import dev.nightmare.engine.model.NetworkSpec;
import java.nio.file.Path;

/**
 * One immutable, validated version of a model, held on local disk: the files are never changed
 * once a version exists, so {@code sha256} names exactly these bytes.
 *
 * @param name the model name ({@code NAME.cfg})
 * @param sha256 the version id: SHA-256 of the cfg bytes followed by the weights bytes (the
 *     engine's {@code Model.sha256()})
 * @param cfgSha256 SHA-256 of the cfg file alone (its ETag)
 * @param weightsSha256 SHA-256 of the weights file alone (its ETag)
 * @param cfgFile the cfg on local disk
 * @param weightsFile the weights on local disk
 * @param weightsBytes length of the weights file
 * @param metadata presentation metadata, defaults filled in
 * @param spec the parsed cfg (small: no weights)
 * @param synthetic the weights are the deterministic synthetic ones (shared/spec/SYNTHETIC_WEIGHTS.md),
 *     not trained: dreams show the network's structure, not what it learned
 */
public record ModelVersion(
        String name,
        String sha256,
        String cfgSha256,
        String weightsSha256,
        Path cfgFile,
        Path weightsFile,
        long weightsBytes,
        ModelMetadata metadata,
        NetworkSpec spec,
        boolean synthetic) {

    /** The same version read from other copies of the same bytes. */
    public ModelVersion withFiles(Path cfg, Path weights) {
        return new ModelVersion(
                name, sha256, cfgSha256, weightsSha256, cfg, weights, weightsBytes, metadata, spec, synthetic);
    }
}
