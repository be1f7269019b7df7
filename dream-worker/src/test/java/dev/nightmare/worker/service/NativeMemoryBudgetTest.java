package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.retry.Retry;
import dev.nightmare.worker.testing.TinyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The worker's models (vgg-conv, jnet-conv and tiny, as the registry serves them) on the oneDNN
 * backend under the worker's default native-memory budget, through jobs of many image sizes in
 * turn: each job is admitted only when its working-set estimate fits what the other sessions leave
 * ({@link ModelRegistry#nativeBytesAvailable}); what the backend holds never passes the budget,
 * after every iteration of every admitted job; a job too large for it is refused; closing the
 * registry gives everything back.
 */
class NativeMemoryBudgetTest {
    private static final long BUDGET = 1500L << 20;

    /** Serves tiny (darknet's weights) and vgg-conv and jnet-conv (synthetic weights). */
    private static final class Models implements ModelFetcher {
        private final Map<String, ModelFiles> files = new HashMap<>();

        Models() {
            files.put(TinyModel.NAME, new TinyModel().fetch(TinyModel.NAME, TinyModel.SHA256));
            for (String name : List.of("vgg-conv", "jnet-conv")) {
                Path cfg = Shared.models().resolve(name + ".cfg");
                Path weights = Shared.syntheticWeights(name);
                try {
                    files.put(name, new ModelFiles(name, Model.sha256(cfg, weights), cfg, weights));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public String currentVersion(String name) {
            return files.get(name).sha256();
        }

        @Override
        public ModelFiles fetch(String name, String sha256) {
            return files.get(name);
        }
    }

    private record Job(String model, int layer, int width, int height) {}

    private static Image image(int w, int h) {
        Image im = Image.blank(w, h, 3);
        float[] d = im.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (i * 2654435761L % 1000) / 1000f;
        }
        return im;
    }

    @Test
    void jobsOfManySizesAndModelsStayWithinTheBudget() throws Exception {
        Models fetcher = new Models();
        Retry retry =
                Retry.backoff(Duration.ofMillis(10), Duration.ofMillis(20)).giveUpAfter(Duration.ofSeconds(1));
        List<Job> jobs = List.of(
                new Job("vgg-conv", 10, 256, 192),
                new Job("tiny", 10, 320, 240),
                new Job("jnet-conv", 11, 200, 200),
                new Job("vgg-conv", 10, 160, 120),
                new Job("tiny", 10, 640, 480),
                new Job("vgg-conv", 10, 1600, 1200), // past the budget: refused
                new Job("jnet-conv", 11, 300, 220),
                new Job("vgg-conv", 10, 320, 240),
                new Job("tiny", 10, 96, 96),
                new Job("jnet-conv", 11, 128, 96),
                new Job("vgg-conv", 10, 256, 192));
        Map<String, String> properties = Map.of("cpu.memoryBudget", Long.toString(BUDGET));
        List<Job> refused = new ArrayList<>();
        try (Backend backend = Backends.discover().create("onednn", new BackendConfig(2, properties), line -> {})) {
            assertThat(backend.nativeBudget()).isEqualTo(BUDGET);
            long resident = backend.nativeBytes(); // what the backend keeps itself (oneDNN's primitive cache)
            try (ModelRegistry registry = new ModelRegistry(backend, fetcher, retry, 1, () -> backend)) {
                registry.loadServed(List.of("vgg-conv", "jnet-conv", "tiny"), () -> false);
                for (Job job : jobs) {
                    ModelRegistry.Loaded loaded =
                            registry.get(job.model(), fetcher.currentVersion(job.model()), () -> false);
                    long estimate = backend.estimateWorkingSet(
                            loaded.model().spec(), job.layer(), job.width(), job.height(), 4);
                    if (estimate > registry.nativeBytesAvailable(loaded)) {
                        refused.add(job);
                        continue;
                    }
                    NightmareOptions options = NightmareOptions.builder(job.layer())
                            .iters(2)
                            .random(RandomMode.SEEDED, job.width())
                            .build();
                    new Nightmare(loaded.session()).run(image(job.width(), job.height()), options, new DreamListener() {
                        @Override
                        public void onIteration(int round, int iteration, IterationDraws draws) {
                            assertThat(backend.nativeBytes())
                                    .as(job + ", iteration " + iteration)
                                    .isLessThanOrEqualTo(BUDGET);
                        }

                        @Override
                        public void onRound(RoundResult result) {}
                    });
                    assertThat(registry.nativeBytes()).as("after " + job).isLessThanOrEqualTo(BUDGET);
                }
                assertThat(registry.nativeBytes())
                        .as("the three models' weights are held")
                        .isPositive();
            }
            assertThat(backend.nativeBytes())
                    .as("after the registry closed its sessions: what the backend keeps itself")
                    .isEqualTo(resident);
        }
        assertThat(refused).containsExactly(new Job("vgg-conv", 10, 1600, 1200));
    }
}
