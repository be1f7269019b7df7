package dev.nightmare.worker.client;

import dev.nightmare.modelclient.ModelStoreClient;
import dev.nightmare.modelclient.ModelStoreException;
import dev.nightmare.retry.Retry;
import dev.nightmare.worker.config.ModelStoreConfig;
import dev.nightmare.worker.service.ModelFetcher;
import dev.nightmare.worker.service.TransientException;
import dev.nightmare.worker.service.UnknownModelException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * {@link ModelFetcher} on the model-client ({@link ModelStoreClient}: verified downloads, cached on
 * disk by hash). The client makes one attempt per call; the worker's own retry (which stops when
 * the worker is shutting down) does the backoff. 404 = unknown; everything else retryable.
 */
public final class ModelStoreFetcher implements ModelFetcher {
    private final ModelStoreClient client;

    public ModelStoreFetcher(ModelStoreConfig config, Path cacheDir) {
        this.client = ModelStoreClient.builder(URI.create(config.url()))
                .token(config.token().orElse(null))
                .cacheDir(cacheDir)
                .retry(Retry.never())
                .connectTimeout(config.timeout())
                .build();
    }

    @Override
    public String currentVersion(String name) {
        try {
            return client.currentVersion(name);
        } catch (IOException | InterruptedException e) {
            throw translate("the current version of model " + name, e);
        }
    }

    @Override
    public ModelFiles fetch(String name, String sha256) {
        try {
            dev.nightmare.modelclient.ModelFiles files = client.fetch(name, sha256);
            return new ModelFiles(files.name(), files.sha256(), files.cfg(), files.weights());
        } catch (IOException | InterruptedException e) {
            throw translate("model " + name + " version " + sha256, e);
        }
    }

    private static RuntimeException translate(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (e instanceof ModelStoreException m && m.status() == 404) {
            return new UnknownModelException("the model-store has no " + what + ": " + m.getMessage());
        }
        if (e instanceof ModelStoreException m && m.status() == 409) {
            return new UnknownModelException("the model-store does not serve " + what + " (broken): " + m.getMessage());
        }
        return new TransientException("fetching " + what + " failed: " + e.getMessage(), e);
    }
}
