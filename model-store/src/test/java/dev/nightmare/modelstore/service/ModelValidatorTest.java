package dev.nightmare.modelstore.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.engine.testing.TestModels;
import dev.nightmare.modelstore.InvalidModelException;
import dev.nightmare.modelstore.ModelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelValidatorTest {
    @TempDir
    Path dir;

    private Path cfg;
    private Path weights;

    @BeforeEach
    void setUp() throws Exception {
        cfg = dir.resolve("m.cfg");
        Files.writeString(cfg, TestModels.MIXED);
        weights = dir.resolve("m.weights");
        SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), 3, weights);
    }

    @Test
    void validModelGetsTheEnginesVersionIdAndPerFileDigests() throws Exception {
        Path copy = Files.createDirectory(dir.resolve("copy"));
        ModelVersion v = ModelValidator.validate("m", ModelValidator.files(cfg, weights, null), copy, w -> {});
        assertThat(v.sha256()).isEqualTo(Model.load(cfg, weights, w -> {}).sha256());
        assertThat(v.cfgSha256()).isEqualTo(Model.sha256(cfg));
        assertThat(v.weightsSha256()).isEqualTo(Model.sha256(weights));
        assertThat(v.weightsBytes()).isEqualTo(Files.size(weights));
        assertThat(Files.readAllBytes(v.weightsFile())).isEqualTo(Files.readAllBytes(weights));
        assertThat(v.metadata().displayName()).isEqualTo("m");
    }

    @Test
    void syntheticWeightsAreRecognisedOnlyWhenTheyAreTheSpecsStream() throws Exception {
        assertThat(ModelValidator.validate("m", ModelValidator.files(cfg, weights, null), null, w -> {})
                        .synthetic())
                .as("another seed's stream is not the synthetic model")
                .isFalse();
        SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), SyntheticWeights.DEFAULT_SEED, weights);
        assertThat(ModelValidator.validate("m", ModelValidator.files(cfg, weights, null), null, w -> {})
                        .synthetic())
                .isTrue();
        Path tinyCfg = Shared.models().resolve("tiny.cfg");
        Path tinyWeights = tinyCfg.resolveSibling("tiny.weights");
        assertThat(ModelValidator.validate("tiny", ModelValidator.files(tinyCfg, tinyWeights, null), null, w -> {})
                        .synthetic())
                .as("the pretrained tiny model")
                .isFalse();
    }

    @Test
    void weightsOfTheWrongLengthAreRefusedWithBothSizes() throws Exception {
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length + 4));
        assertThatThrownBy(() -> ModelValidator.validate("m", ModelValidator.files(cfg, weights, null), null, w -> {}))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("m.weights is " + (bytes.length + 4) + " bytes but m.cfg needs " + bytes.length)
                .hasMessageContaining("too long");
    }

    @Test
    void metadataSuggestingAnUntargetableLayerIsRefused() throws Exception {
        Path json = dir.resolve("m.json");
        Files.writeString(json, "{\"suggestedLayers\":[1, 9]}");
        assertThatThrownBy(() -> ModelValidator.validate("m", ModelValidator.files(cfg, weights, json), null, w -> {}))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("suggests layer 9; nightmare can target layers 0..3");
        Files.writeString(json, "{not json");
        assertThatThrownBy(() -> ModelValidator.validate("m", ModelValidator.files(cfg, weights, json), null, w -> {}))
                .hasMessageContaining("m.json is not valid metadata JSON");
        Files.writeString(json, "{\"displayName\":\"Mixed\",\"suggestedLayers\":[3],\"extra\":1}");
        ModelVersion v = ModelValidator.validate("m", ModelValidator.files(cfg, weights, json), null, w -> {});
        assertThat(v.metadata().displayName()).isEqualTo("Mixed");
        assertThat(v.metadata().suggestedLayers()).isEqualTo(List.of(3));
    }

    @Test
    void unsafeNamesAreRefusedBeforeAnythingIsRead() {
        for (String name : List.of("../etc", "a/b", "", ".hidden", "x".repeat(65))) {
            assertThatThrownBy(() -> ModelValidator.validate(name, null, null, w -> {}))
                    .as(name)
                    .isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("is not a model name");
        }
    }

    @Test
    void versionStorePublishesOnceAndReloadsVerifiedVersions() throws Exception {
        VersionStore store = new VersionStore(dir.resolve("data"));
        ModelVersion first = store.ingest("m", ModelValidator.files(cfg, weights, null));
        ModelVersion again = store.ingest("m", ModelValidator.files(cfg, weights, null));
        assertThat(again.weightsFile()).isEqualTo(first.weightsFile());
        assertThat(first.weightsFile()).isEqualTo(dir.resolve("data/versions/m/" + first.sha256() + "/m.weights"));
        try (var staging = Files.list(store.stagingDir())) {
            assertThat(staging).isEmpty();
        }
        assertThat(new VersionStore(dir.resolve("data")).loadAll())
                .extracting(ModelVersion::sha256)
                .containsExactly(first.sha256());

        // A damaged copy on disk is left out on reload instead of being served.
        Files.write(first.weightsFile(), new byte[] {0, 2, 0, 0});
        assertThat(new VersionStore(dir.resolve("data")).loadAll()).isEmpty();
    }
}
