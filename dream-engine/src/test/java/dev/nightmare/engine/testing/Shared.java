package dev.nightmare.engine.testing;

import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The read-only reference material in {@code ../shared} (models, images, darknet's golden
 * outputs), and synthetic weights generated from it under {@code target/}. Never copied into the
 * repository.
 */
public final class Shared {
    private Shared() {}

    public static Path dir() {
        String configured = System.getProperty("nightmare.shared.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "shared");
        if (!Files.isDirectory(dir.resolve("golden"))) {
            // Running from a module directory without Maven's property.
            dir = Path.of("..", "..", "shared");
        }
        return dir.toAbsolutePath().normalize();
    }

    public static Path models() {
        return dir().resolve("models");
    }

    public static Path images() {
        return dir().resolve("images");
    }

    public static Path golden() {
        return dir().resolve("golden");
    }

    /**
     * The synthetic weights for {@code cfgName} (e.g. {@code vgg-conv}), generated once into
     * {@code nightmare.synth.dir} (the root {@code target/synthetic-weights} under Maven) and
     * shared by every module's tests.
     */
    public static synchronized Path syntheticWeights(String cfgName) {
        try {
            Path dir = Path.of(System.getProperty("nightmare.synth.dir", "target/synthetic-weights"));
            Files.createDirectories(dir);
            Path out = dir.resolve(cfgName + ".synth.weights");
            if (!Files.exists(out)) {
                NetworkSpec spec = NetworkSpec.read(models().resolve(cfgName + ".cfg"), w -> {});
                SyntheticWeights.write(spec, SyntheticWeights.DEFAULT_SEED, out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
