package dev.nightmare.modelstore.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The model-store's settings ({@code nightmare.model-store.*}); the README has the table. */
@ConfigMapping(prefix = "nightmare.model-store")
public interface ModelStoreConfig {
    /** Directory scanned for {@code NAME.cfg} + {@code NAME.weights} (+ {@code NAME.json}) at start-up. */
    @WithName("models-dir")
    Optional<Path> modelsDir();

    /** Bucket scanned for the same files under {@link #prefix()}; needs {@code nightmare.s3.*}. */
    Optional<String> bucket();

    /** Key prefix of the models in {@link #bucket()}, e.g. {@code models/}; unset = bucket root. */
    Optional<String> prefix();

    /**
     * Local directory of every validated version ({@code versions/<sha256>/}), served from here with
     * zero-copy; also the staging area for uploads and the on-disk copy of S3 models. Keep it on a
     * persistent volume when models are uploaded into {@link #modelsDir()}.
     */
    @WithName("data-dir")
    @WithDefault("run/model-store")
    Path dataDir();

    /**
     * Where {@code PUT /v1/models/{name}} publishes: {@code s3} or {@code directory}; default
     * {@code s3} when a bucket is configured, else {@code directory}.
     */
    @WithName("upload-target")
    Optional<UploadTarget> uploadTarget();

    Auth auth();

    /** Bearer-token authentication of the API. */
    interface Auth {
        /** Off only for the local one-command run. */
        @WithDefault("true")
        boolean enabled();

        /** Tokens that may read (workers, the gateway). */
        @WithName("service-tokens")
        Optional<List<String>> serviceTokens();

        /** Tokens that may upload (and read). */
        @WithName("admin-tokens")
        Optional<List<String>> adminTokens();
    }

    /** Where uploads go. */
    enum UploadTarget {
        S3,
        DIRECTORY
    }
}
