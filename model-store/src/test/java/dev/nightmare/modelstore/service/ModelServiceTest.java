package dev.nightmare.modelstore.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.testing.TestModels;
import dev.nightmare.modelstore.InvalidModelException;
import dev.nightmare.modelstore.ModelEntry;
import dev.nightmare.modelstore.config.ModelStoreConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory side of the service without Quarkus: scan, upload into the models directory
 * (the target when no bucket is set), and a restart that finds the same current and old versions.
 */
class ModelServiceTest {
    @TempDir
    Path dir;

    private Path models;
    private Path data;
    private Path cfg;
    private Path first;
    private Path second;

    @BeforeEach
    void setUp() throws Exception {
        models = Files.createDirectories(dir.resolve("models"));
        data = dir.resolve("data");
        cfg = dir.resolve("in.cfg");
        Files.writeString(cfg, TestModels.STRIDED);
        NetworkSpec spec = NetworkSpec.read(cfg, w -> {});
        first = dir.resolve("first.weights");
        second = dir.resolve("second.weights");
        SyntheticWeights.write(spec, 11, first);
        SyntheticWeights.write(spec, 12, second);
        Files.copy(cfg, models.resolve("strided.cfg"));
        Files.copy(first, models.resolve("strided.weights"));
        Files.writeString(models.resolve("orphan.cfg"), TestModels.MIXED);
    }

    private ModelService start() throws InterruptedException {
        ModelService service = new ModelService();
        service.config = config();
        service.catalog = new ModelCatalog();
        service.registry = new SimpleMeterRegistry();
        service.onStart(null);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!service.catalog.scanned() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(service.catalog.scanned()).isTrue();
        return service;
    }

    @Test
    void uploadsReplaceTheDirectoryFilesAndSurviveARestartWithTheOldVersion() throws Exception {
        ModelService service = start();
        String firstSha = Model.sha256(cfg, first);
        String secondSha = Model.sha256(cfg, second);
        assertThat(service.catalog.get("strided").map(e -> e.current().sha256()))
                .contains(firstSha);
        assertThat(service.catalog.get("orphan").map(ModelEntry::reason))
                .contains("orphan.weights is missing beside orphan.cfg");

        ModelService.Upload upload = service.upload("strided", cfg, second, null);
        assertThat(upload.created()).isTrue();
        assertThat(upload.version().sha256()).isEqualTo(secondSha);
        assertThat(Files.readAllBytes(models.resolve("strided.weights"))).isEqualTo(Files.readAllBytes(second));
        assertThat(service.upload("strided", cfg, second, null).created()).isFalse();

        Path truncated = dir.resolve("short.weights");
        Files.write(truncated, new byte[100]);
        assertThatThrownBy(() -> service.upload("strided", cfg, truncated, null))
                .isInstanceOf(InvalidModelException.class);
        assertThat(Files.readAllBytes(models.resolve("strided.weights"))).isEqualTo(Files.readAllBytes(second));

        ModelService restarted = start();
        assertThat(restarted.catalog.get("strided").map(e -> e.current().sha256()))
                .contains(secondSha);
        assertThat(restarted.catalog.versionsOf("strided")).containsExactly(secondSha, firstSha);
        assertThat(restarted.catalog.version("strided", firstSha).map(v -> v.weightsFile()))
                .hasValueSatisfying(p -> assertThat(p).hasSameBinaryContentAs(first));
    }

    private ModelStoreConfig config() {
        return new ModelStoreConfig() {
            @Override
            public Optional<Path> modelsDir() {
                return Optional.of(models);
            }

            @Override
            public Optional<String> bucket() {
                return Optional.empty();
            }

            @Override
            public Optional<String> prefix() {
                return Optional.empty();
            }

            @Override
            public Path dataDir() {
                return data;
            }

            @Override
            public Optional<UploadTarget> uploadTarget() {
                return Optional.empty();
            }

            @Override
            public Auth auth() {
                return new Auth() {
                    @Override
                    public boolean enabled() {
                        return true;
                    }

                    @Override
                    public Optional<List<String>> serviceTokens() {
                        return Optional.empty();
                    }

                    @Override
                    public Optional<List<String>> adminTokens() {
                        return Optional.empty();
                    }
                };
            }
        };
    }
}
