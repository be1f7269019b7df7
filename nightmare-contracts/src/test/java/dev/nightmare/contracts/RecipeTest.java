package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.contracts.testing.SampleJobs;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeTest {
    private static final String SHA = "9d2c".repeat(16);

    private static JobRequest request() {
        JobOptions options = SampleJobs.options("vgg-conv", 10)
                .rounds(4)
                .iters(20)
                .range(3)
                .rate(0.01f)
                .resolved(1024);
        return SampleJobs.request(JobIds.random(), options, SHA, 448, 352);
    }

    private static RunDetails run() {
        return new RunDetails("0.1.0", "cuda", "NVIDIA H100", "seeded", 42, "vgg-conv", SHA);
    }

    @Test
    void aJobsRoundCarriesItsOptionsModelVersionBackendAndInputSize() {
        JobRequest request = request();
        Recipe recipe = Recipe.of(request, run(), 2);
        assertThat(recipe.schemaVersion()).isEqualTo(Recipe.SCHEMA_VERSION);
        assertThat(recipe.options()).isEqualTo(request.options());
        assertThat(recipe.modelSha256()).isEqualTo(SHA);
        assertThat(recipe.round()).isEqualTo(2);
        assertThat(recipe.engineVersion()).isEqualTo("0.1.0");
        assertThat(recipe.backend()).isEqualTo("cuda");
        assertThat(recipe.input()).isEqualTo(new Recipe.Input(null, null, 448, 352));
        assertThat(recipe.problems()).isEmpty();
        assertThat(recipe.withRound(3).round()).isEqualTo(3);
    }

    @Test
    void itsJsonIsOneCompactLineThatReadsBack() {
        Recipe recipe = Recipe.of(request(), run(), 1);
        String json = recipe.toJson();
        assertThat(json)
                .doesNotContain("\n")
                .doesNotContain(": ")
                .startsWith("{\"schemaVersion\":1,\"options\":{\"model\":\"vgg-conv\",\"layer\":10,")
                .contains("\"seed\":42,\"rng\":\"seeded\"")
                .contains(
                        "\"modelSha256\":\"" + SHA + "\",\"round\":1,\"engineVersion\":\"0.1.0\",\"backend\":\"cuda\"")
                .doesNotContain("backendOptions")
                .doesNotContain("null");
        assertThat(Recipe.fromJson(json)).isEqualTo(recipe);
        assertThat(recipe.imageText()).containsExactly(Map.entry("nightmare-recipe", json));
    }

    @Test
    void imagesCarryItAndGiveItBack() {
        Recipe recipe = new Recipe(
                1,
                request().options(),
                SHA,
                0,
                "0.1.0",
                "onednn",
                Map.of("onednn.winograd", "off"),
                "darknet",
                "exact",
                new Recipe.Input("dög.png", "ab".repeat(32), 448, 352));
        Image im = Image.blank(4, 3, 3);
        for (ImageCodec.Format format : ImageCodec.Format.values()) {
            byte[] file = ImageCodec.encode(im, format, recipe.imageText());
            assertThat(Recipe.fromImage(file)).as(format.name()).contains(recipe);
            assertThat(Recipe.fromImage(ImageCodec.encode(im, format))).isEmpty();
        }
    }

    @Test
    void recipesThatCannotBeRerunAreRefused() {
        String json = Recipe.of(request(), run(), 1).toJson();
        assertThatThrownBy(() -> Recipe.fromJson(json.replace("\"schemaVersion\":1", "\"schemaVersion\":2")))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("recipe has schemaVersion 2; this service reads version 1");
        assertThatThrownBy(() -> Recipe.fromJson(json.replace("\"round\":1", "\"round\":4")))
                .hasMessageContaining("round 4 is not one of the run's 4 rounds");
        assertThatThrownBy(() -> Recipe.fromJson(json.replace("\"seed\":42,", "")))
                .hasMessageContaining("options are not resolved");
        assertThatThrownBy(
                        () -> Recipe.fromJson(json.replace("\"backend\":\"cuda\"", "\"backend\":\"cuda\",\"gpu\":1")))
                .hasMessageContaining("does not fit its schema");
        assertThatThrownBy(() -> Recipe.fromJson("{\"schemaVersion\":1"))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("recipe is not valid JSON");
    }
}
