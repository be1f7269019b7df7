package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.contracts.ModelPresets.WeightsKind;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PresetsTest {
    private static JobOptions layer(String model, Integer layer) {
        return new JobOptions(
                model, layer, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void describesTheThreeModelsEachWithLayersAndADefaultPreset() {
        assertThat(Presets.models()).extracting(ModelPresets::model).containsExactly("tiny", "vgg-conv", "jnet-conv");
        for (ModelPresets m : Presets.models()) {
            assertThat(m.description()).as(m.model()).isNotBlank();
            assertThat(m.recommendedLayers()).as(m.model()).isNotEmpty();
            assertThat(m.presetNames())
                    .as(m.model())
                    .contains(m.defaultPreset())
                    .hasSizeGreaterThan(2);
            assertThat(m.firstDream().name()).isEqualTo(m.defaultPreset());
        }
        assertThat(Presets.fallback().presetNames()).contains(Presets.fallback().defaultPreset());
        assertThat(Presets.fallback().presets())
                .allSatisfy(p -> assertThat(p.options().layer())
                        .as(p.name() + " leaves the layer to the client")
                        .isNull());
    }

    @Test
    void everyPresetRunsOnItsModelAndEveryRecommendedLayerCanBeDreamedOn() throws IOException {
        for (ModelPresets m : Presets.models()) {
            NetworkSpec spec = NetworkSpec.read(Shared.models().resolve(m.model() + ".cfg"), w -> {});
            for (ModelPresets.RecommendedLayer l : m.recommendedLayers()) {
                assertThat(spec.untargetable(l.layer()))
                        .as(m.model() + " layer " + l.layer())
                        .isEmpty();
            }
            for (Preset p : m.presets()) {
                assertThat(p.options().layer())
                        .as(m.model() + " " + p.name() + " sets its layer")
                        .isNotNull();
                runnable(m.model() + " " + p.name(), p.applyTo(layer(m.model(), null)), spec);
            }
            // The general presets work on a described model too, at any recommended layer.
            for (Preset p : Presets.fallback().presets()) {
                int at = m.recommendedLayers().getLast().layer();
                runnable(m.model() + " fallback " + p.name(), p.applyTo(layer(m.model(), at)), spec);
            }
        }
    }

    /** Runnable on the smallest photo in ../shared (scream.jpg, 352×448) and on a 1024-pixel one. */
    private static void runnable(String what, JobOptions options, NetworkSpec spec) {
        JobOptions resolved = options.resolve(1, null);
        assertThat(resolved.problems()).as(what).isEmpty();
        for (int[] size : List.of(new int[] {352, 448}, new int[] {1024, 768})) {
            assertThat(Nightmare.problems(resolved.toEngine(), spec, size[0], size[1]))
                    .as(what + " at " + size[0] + "×" + size[1])
                    .isEmpty();
        }
    }

    @Test
    void explicitOptionsWinOverThePreset() {
        Preset gentle = Presets.find("tiny", "gentle");
        JobOptions given = new JobOptions(
                "tiny", 7, null, null, null, null, 0.02f, null, null, null, false, null, null, 5L, null, "png", 512);
        JobOptions applied = gentle.applyTo(given);
        assertThat(applied.layer()).isEqualTo(7);
        assertThat(applied.rate()).isEqualTo(0.02f);
        assertThat(applied.norm()).isFalse();
        assertThat(applied.seed()).isEqualTo(5L);
        assertThat(applied.format()).isEqualTo("png");
        assertThat(applied.maxSide()).isEqualTo(512);
        assertThat(applied.model()).isEqualTo("tiny");
        // What the client left out comes from the preset; the rest stays null for resolve().
        assertThat(applied.iters()).isEqualTo(gentle.options().iters());
        assertThat(applied.range()).isEqualTo(gentle.options().range());
        assertThat(applied.rounds()).isEqualTo(gentle.options().rounds());
        assertThat(applied.thresh()).isEqualTo(gentle.options().thresh());
        assertThat(gentle.applyTo(null)).isEqualTo(gentle.options());
        assertThat(gentle.applyTo(layer("tiny", null)).layer())
                .isEqualTo(gentle.options().layer());
    }

    @Test
    void anUnknownPresetIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Presets.find("tiny", "wild"))
                .isInstanceOf(UnknownPresetException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("preset 'wild' is unknown for model tiny; known presets: gentle, ")
                .satisfies(e -> assertThat(((UnknownPresetException) e).known())
                        .isEqualTo(Presets.forModel("tiny").presetNames()));
        assertThatThrownBy(() -> Presets.find("my-net", "wild"))
                .hasMessageContaining("model my-net (no presets of its own: the general ones apply)")
                .hasMessageContaining(
                        "known presets: " + String.join(", ", Presets.fallback().presetNames()));
    }

    @Test
    void modelsTheCatalogueDoesNotDescribeGetTheGeneralPresets() {
        assertThat(Presets.described("my-net")).isEmpty();
        assertThat(Presets.forModel("my-net")).isSameAs(Presets.fallback());
        assertThat(Presets.find("my-net", "gentle"))
                .isSameAs(Presets.fallback().preset("gentle").orElseThrow());
        assertThat(Presets.fallback().weights("00".repeat(32))).isEqualTo(WeightsKind.UNKNOWN);
    }

    @Test
    void knownWeightsAreTheVersionsTheseFilesMake() throws IOException {
        Path models = Shared.models();
        String tiny = Model.sha256(models.resolve("tiny.cfg"), models.resolve("tiny.weights"));
        assertThat(Presets.forModel("tiny").weights(tiny)).isEqualTo(WeightsKind.PUBLISHED);
        assertThat(Presets.forModel("tiny").synthetic(tiny)).isFalse();
        for (String name : List.of("vgg-conv", "jnet-conv")) {
            String synthetic = Model.sha256(models.resolve(name + ".cfg"), Shared.syntheticWeights(name));
            assertThat(Presets.forModel(name).weights(synthetic)).as(name).isEqualTo(WeightsKind.SYNTHETIC);
            assertThat(Presets.forModel(name).synthetic(synthetic)).isTrue();
            assertThat(Presets.forModel(name).weights(tiny)).isEqualTo(WeightsKind.UNKNOWN);
        }
    }

    @Test
    void aPresetReadsAsDarknetsCommandLine() {
        Preset p = new Preset(
                "x",
                "X",
                "an example",
                new JobOptions(
                        null, 12, 4, 20, 3, null, 0.01f, null, 0.95f, null, false, null, null, null, null, null, null));
        assertThat(p.commandLine()).isEqualTo("12 -rounds 4 -iters 20 -range 3 -rate 0.01 -zoom 0.95 -norm 0");
        assertThat(p.optionNames()).containsExactly("layer", "rounds", "iters", "range", "rate", "zoom", "norm");
    }

    @Test
    void aBadCatalogueIsRefusedWithItsProblems() {
        JobOptions seeded = new JobOptions(
                null, 3, 2, null, null, null, null, null, null, null, null, null, null, 9L, null, null, null);
        JobOptions noRounds = layer(null, 3);
        ModelPresets bad = new ModelPresets(
                "tiny",
                "d",
                List.of(new ModelPresets.RecommendedLayer(5, "a"), new ModelPresets.RecommendedLayer(4, "b")),
                "missing",
                List.of(new Preset("Seeded", "S", "d", seeded), new Preset("flat", "F", "d", noRounds)),
                List.of());
        ModelPresets fallback = new ModelPresets(
                null,
                "d",
                List.of(),
                "one",
                List.of(new Preset(
                        "one",
                        "One",
                        "d",
                        new JobOptions(
                                null, 3, 2, null, null, null, null, null, null, null, null, null, null, null, null,
                                null, null))),
                List.of());
        assertThat(Presets.problems(new Presets.Catalogue(1, List.of(bad), fallback)))
                .anySatisfy(p -> assertThat(p).contains("defaultPreset 'missing' is not one of its presets"))
                .anySatisfy(p -> assertThat(p).contains("recommended layer 4 is out of order"))
                .anySatisfy(p -> assertThat(p).contains("preset name 'Seeded' is not lower-case"))
                .anySatisfy(p -> assertThat(p).contains("preset Seeded sets seed; presets set only iters, layer"))
                .anySatisfy(p -> assertThat(p).contains("preset flat must set rounds"))
                .anySatisfy(p -> assertThat(p).contains("the fallback: preset one sets a layer"));
    }
}
