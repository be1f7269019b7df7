package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.retry.Retry;
import dev.nightmare.worker.testing.TinyModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which session a job gets: darknet's batch-norm gradient or the exact one, and how long each stays open. */
class ModelRegistryTest {
    private static ModelRegistry registry(Backend reference, TinyModel fetcher) {
        Retry retry = Retry.backoff(Duration.ofMillis(10), Duration.ofMillis(40))
                .giveUpAfter(Duration.ofSeconds(1))
                .sleeper(millis -> {});
        return new ModelRegistry(reference, fetcher, retry, 1, () -> reference);
    }

    @Test
    void aBatchNormalisedModelGetsASecondSessionWithTheExactGradientKeptForTheNextJob() {
        TinyModel fetcher = new TinyModel();
        try (Backend reference = Backends.discover().create("reference", new BackendConfig(1, Map.of()), line -> {});
                ModelRegistry models = registry(reference, fetcher)) {
            models.loadServed(List.of(TinyModel.NAME), () -> false);
            var darknets = models.get(TinyModel.NAME, TinyModel.SHA256, BatchNormGradient.DARKNET, () -> false);
            var exact = models.get(TinyModel.NAME, TinyModel.SHA256, BatchNormGradient.EXACT, () -> false);

            assertThat(darknets.session().options().batchNormGradient()).isEqualTo(BatchNormGradient.DARKNET);
            assertThat(exact.session().options().batchNormGradient()).isEqualTo(BatchNormGradient.EXACT);
            assertThat(exact.session()).isNotSameAs(darknets.session());
            assertThat(exact.model()).as("one parsed model, weights read once").isSameAs(darknets.model());
            assertThat(fetcher.fetches()).isEqualTo(1);
            assertThat(models.get(TinyModel.NAME, TinyModel.SHA256, BatchNormGradient.EXACT, () -> false))
                    .as("kept for the next job")
                    .isSameAs(exact);
            assertThat(models.onCpu(TinyModel.NAME, TinyModel.SHA256, BatchNormGradient.EXACT, () -> false)
                            .session()
                            .options()
                            .batchNormGradient())
                    .as("the CPU fallback runs the same gradient")
                    .isEqualTo(BatchNormGradient.EXACT);
        }
    }
}
