package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.random.RandomMode;
import org.junit.jupiter.api.Test;

class JobOptionsTest {
    private static JobOptions only(String model, Integer layer) {
        return new JobOptions(
                model, layer, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void resolveFillsDarknetsDefaults() {
        JobOptions resolved = only("vgg-conv", 10).resolve(7, null);
        NightmareOptions engine = resolved.toEngine();
        assertThat(engine)
                .isEqualTo(NightmareOptions.builder(10)
                        .random(RandomMode.SEEDED, 7)
                        .build());
        assertThat(engine.rate()).isEqualTo(0.04f);
        assertThat(engine.iters()).isEqualTo(10);
        assertThat(engine.octaves()).isEqualTo(4);
        assertThat(resolved.format()).isEqualTo("jpg");
        assertThat(resolved.maxSide()).isNull();
    }

    @Test
    void orElseTakesEveryFieldLeftNullFromTheFallback() {
        JobOptions given = only("tiny", 7);
        JobOptions fallback = new JobOptions(
                "vgg-conv", 10, 4, 20, 3, 2, 0.01f, 1.5f, 0.9f, 0.1f, false, true, 0.5f, 99L, "darknet", "png", 512);
        JobOptions merged = given.orElse(fallback);
        assertThat(merged)
                .isEqualTo(new JobOptions(
                        "tiny", 7, 4, 20, 3, 2, 0.01f, 1.5f, 0.9f, 0.1f, false, true, 0.5f, 99L, "darknet", "png",
                        512));
        assertThat(fallback.orElse(given)).isEqualTo(fallback);
        assertThat(given.orElse(null)).isSameAs(given);
    }

    @Test
    void resolveKeepsGivenValues() {
        JobOptions given = new JobOptions(
                "jnet-conv", 11, 4, 20, 3, 2, 0.01f, 1.5f, 0.9f, 0.1f, false, false, 0.5f, 99L, "DARKNET", "jpeg", 512);
        JobOptions resolved = given.resolve(7, 1024);
        assertThat(resolved.seed()).isEqualTo(99L);
        assertThat(resolved.rng()).isEqualTo("darknet");
        assertThat(resolved.format()).isEqualTo("jpg");
        assertThat(resolved.maxSide()).isEqualTo(512);
        assertThat(resolved.toEngine().randomMode()).isEqualTo(RandomMode.DARKNET);
    }

    @Test
    void engineOptionsRoundTrip() {
        NightmareOptions engine = NightmareOptions.builder(5)
                .rounds(3)
                .iters(2)
                .range(3)
                .octaves(2)
                .rate(0.02f)
                .thresh(0.5f)
                .zoom(1.1f)
                .rotate(0.2f)
                .normalize(false)
                .reconstruct(true)
                .momentum(0.8f)
                .random(RandomMode.DARKNET, 1234)
                .build();
        JobOptions options = JobOptions.fromEngine("tiny", engine, "png", 800);
        assertThat(options.isResolved()).isTrue();
        assertThat(options.toEngine()).isEqualTo(engine);
        assertThat(options.imageFormat()).isEqualTo(ImageCodec.Format.PNG);
    }

    @Test
    void problemsNameEachBadField() {
        JobOptions bad = new JobOptions(
                "../etc", null, null, null, null, null, null, null, null, null, null, null, null, null, "mt19937",
                "gif", 0);
        assertThat(bad.problems())
                .extracting(FieldProblem::field)
                .containsExactly("model", "layer", "rng", "format", "maxSide");
    }

    @Test
    void missingModelIsAProblem() {
        assertThat(only(null, 1).problems()).extracting(FieldProblem::field).containsExactly("model");
        assertThat(only("tiny", 1).problems()).isEmpty();
    }

    @Test
    void unresolvedOptionsDoNotConvert() {
        assertThatThrownBy(() -> only("tiny", 1).toEngine()).isInstanceOf(IllegalStateException.class);
    }
}
