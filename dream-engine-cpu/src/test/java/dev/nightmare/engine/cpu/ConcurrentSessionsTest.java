package dev.nightmare.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.cpu.vector.VectorBackendProvider;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Two sessions of one backend running at once on two threads give what each gives alone. */
class ConcurrentSessionsTest {
    private static final String WINOGRAD = "onednn with Winograd on every layer it can take";

    private static float[] dream(Backend backend, Model model, long seed) {
        int w = 37, h = 29;
        try (DreamSession s = backend.open(model, SessionOptions.DEFAULT);
                Tensor image = s.allocate(new Shape(3, h, w));
                Tensor gradient = s.allocate(new Shape(3, h, w))) {
            s.write(image, TestModels.uniform(seed, 3 * w * h, 0, 1));
            for (int it = 0; it < 5; it++) {
                s.optimize(
                        image,
                        gradient,
                        s.stack(3, w - it, h - it),
                        new Jitter(it - 2, 1 - it, it % 2 == 0),
                        1f,
                        0.04f,
                        true);
            }
            float[] out = new float[3 * w * h];
            s.read(image, out);
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OneDnnBackendProvider.NAME, WINOGRAD, VectorBackendProvider.NAME})
    void twoSessionsOnTwoThreadsMatchTheirSequentialRuns(String name) {
        Model model = TestModels.model(TestModels.MIXED, 5);
        // The sessions' Winograd layers share the backend's worker threads and oneDNN's primitive cache.
        BackendConfig config =
                new BackendConfig(2, name.equals(WINOGRAD) ? Map.of("onednn.winogradMinChannels", "1") : Map.of());
        try (Backend backend = !name.equals(VectorBackendProvider.NAME)
                ? new OneDnnBackendProvider().create(config)
                : new VectorBackendProvider().create(config)) {
            float[] aloneA = dream(backend, model, 1);
            float[] aloneB = dream(backend, model, 2);
            for (int round = 0; round < 5; round++) {
                CompletableFuture<float[]> a = CompletableFuture.supplyAsync(() -> dream(backend, model, 1));
                CompletableFuture<float[]> b = CompletableFuture.supplyAsync(() -> dream(backend, model, 2));
                assertThat(a.join()).isEqualTo(aloneA);
                assertThat(b.join()).isEqualTo(aloneB);
            }
        }
    }
}
