package dev.nightmare.worker.testing;

import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.worker.service.ModelFetcher;
import dev.nightmare.worker.service.UnknownModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ModelFetcher} serving only darknet's Tiny Darknet from {@code ../shared/models} (a real
 * 4 MB ImageNet classifier), as version {@link #SHA256}; counts fetches.
 */
public final class TinyModel implements ModelFetcher {
    public static final String NAME = "tiny";
    public static final Path CFG = Shared.models().resolve("tiny.cfg");
    public static final Path WEIGHTS = Shared.models().resolve("tiny.weights");
    public static final String SHA256 = sha256();

    private final AtomicInteger fetches = new AtomicInteger();

    @Override
    public String currentVersion(String name) {
        if (!NAME.equals(name)) {
            throw new UnknownModelException("no model " + name);
        }
        return SHA256;
    }

    @Override
    public ModelFiles fetch(String name, String sha256) {
        fetches.incrementAndGet();
        if (!NAME.equals(name) || !SHA256.equals(sha256)) {
            throw new UnknownModelException("no model " + name + " version " + sha256);
        }
        return new ModelFiles(NAME, SHA256, CFG, WEIGHTS);
    }

    public int fetches() {
        return fetches.get();
    }

    private static String sha256() {
        try {
            return Model.sha256(CFG, WEIGHTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
