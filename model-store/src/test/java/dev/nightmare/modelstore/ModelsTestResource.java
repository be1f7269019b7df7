package dev.nightmare.modelstore;

import dev.nightmare.engine.testing.Shared;
import dev.nightmare.platform.testing.TestDirs;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A models directory for the ITs: tiny (real weights, with metadata), vgg-conv and jnet-conv
 * (synthetic weights, linked from the shared target/), and two broken models — {@code
 * tiny-truncated} (weights cut short) and {@code bad-cfg} (an unknown section) — plus a fresh data
 * directory and auth tokens.
 */
public class ModelsTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String SERVICE_TOKEN = "service-token-for-tests";
    public static final String ADMIN_TOKEN = "admin-token-for-tests";
    public static final String TINY_METADATA =
            "{\"displayName\":\"Tiny Darknet\",\"description\":\"ImageNet classifier, 4 MB\",\"suggestedLayers\":[7,13]}";

    @Override
    public Map<String, String> start() {
        try {
            Path dir = TestDirs.create("models");
            Path models = Files.createDirectories(dir.resolve("models"));
            Path shared = Shared.models();
            Files.copy(shared.resolve("tiny.cfg"), models.resolve("tiny.cfg"));
            Files.createSymbolicLink(models.resolve("tiny.weights"), shared.resolve("tiny.weights"));
            Files.writeString(models.resolve("tiny.json"), TINY_METADATA);
            for (String name : new String[] {"vgg-conv", "jnet-conv"}) {
                Files.copy(shared.resolve(name + ".cfg"), models.resolve(name + ".cfg"));
                Files.createSymbolicLink(
                        models.resolve(name + ".weights"),
                        Shared.syntheticWeights(name).toAbsolutePath());
            }
            Files.copy(shared.resolve("tiny.cfg"), models.resolve("tiny-truncated.cfg"));
            try (InputStream in = Files.newInputStream(shared.resolve("tiny.weights"))) {
                Files.write(models.resolve("tiny-truncated.weights"), in.readNBytes(1_000_000));
            }
            Files.writeString(models.resolve("bad-cfg.cfg"), "[net]\nwidth=8\nheight=8\nchannels=3\n[bogus]\nsize=1\n");
            Files.write(models.resolve("bad-cfg.weights"), new byte[20]);
            return Map.of(
                    "nightmare.model-store.models-dir",
                    models.toString(),
                    "nightmare.model-store.data-dir",
                    dir.resolve("data").toString(),
                    "nightmare.model-store.auth.enabled",
                    "true",
                    "nightmare.model-store.auth.service-tokens",
                    SERVICE_TOKEN,
                    "nightmare.model-store.auth.admin-tokens",
                    ADMIN_TOKEN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {}
}
