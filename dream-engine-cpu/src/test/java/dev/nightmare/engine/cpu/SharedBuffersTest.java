package dev.nightmare.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.cpu.vector.VectorBackendProvider;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every working size of a session lays its buffers out in the same pool memory, which is neither
 * zeroed nor cleaned between sizes. That is right only if no step reads a buffer (padding lanes
 * included: the test models' 4–12 channels leave most of each 16-lane block padding) before a step
 * of the same iteration wrote it. Here new pool memory is filled with NaN, and a sequence of
 * iterations alternating sizes and targets in one session must give the bits of the same sequence
 * run with each iteration in a fresh session on zeroed memory.
 */
class SharedBuffersTest {
    private static final String WINOGRAD = "onednn with Winograd on every layer it can take";

    /** (width, height, target): sizes that grow, shrink and come back, two targets per size. */
    private static final int[][] STEPS = {
        {37, 29, 3}, {24, 25, 3}, {41, 35, 2}, {24, 25, 2}, {37, 29, 3}, {41, 35, 3}, {26, 31, 1}, {24, 25, 3}
    };

    @BeforeEach
    void poison() {
        Pool.poisonForTests = true;
    }

    @AfterEach
    void clean() {
        Pool.poisonForTests = false;
    }

    private static Backend backend(String name) {
        BackendConfig config =
                new BackendConfig(2, name.equals(WINOGRAD) ? Map.of("onednn.winogradMinChannels", "1") : Map.of());
        return name.equals(VectorBackendProvider.NAME)
                ? new VectorBackendProvider().create(config)
                : new OneDnnBackendProvider().create(config);
    }

    /** One iteration of step {@code i} on {@code image} (3 × 33 × 40), or its reconstruct form. */
    private static void step(DreamSession s, Tensor image, Tensor gradient, int i, boolean reconstruct) {
        int[] st = STEPS[i];
        LayerStack stack = s.stack(st[2], st[0], st[1]);
        if (!reconstruct) {
            s.optimize(image, gradient, stack, new Jitter(i - 3, 2 - i, i % 2 == 0), 1f, 0.04f, true);
            return;
        }
        try (Tensor features = s.allocate(stack.outputShape());
                Tensor small = s.allocate(stack.inputShape());
                Tensor update = s.allocate(stack.inputShape())) {
            s.write(
                    features,
                    TestModels.uniform(40 + i, (int) stack.outputShape().size(), 0, 1));
            s.write(small, TestModels.uniform(50 + i, (int) stack.inputShape().size(), 0, 1));
            s.copy(small, stack.input());
            s.forward(stack);
            s.reconstructionGradient(stack, features);
            s.backward(stack);
            s.momentumStep(small, update, stack, 0.04f, 0.9f);
            float[] out = new float[(int) stack.inputShape().size()];
            s.read(small, out);
            // Fold the result into the image so the comparison sees it.
            float[] img = new float[3 * 33 * 40];
            s.read(image, img);
            for (int k = 0; k < Math.min(out.length, img.length); k++) {
                img[k] = out[k];
            }
            s.write(image, img);
        }
    }

    private static float[] run(Backend backend, Model model, boolean fresh, boolean reconstruct) {
        int w = 40, h = 33;
        float[] pixels = TestModels.uniform(7, 3 * w * h, 0, 1);
        DreamSession shared = fresh ? null : backend.open(model, SessionOptions.DEFAULT);
        try {
            for (int i = 0; i < STEPS.length; i++) {
                DreamSession s = fresh ? backend.open(model, SessionOptions.DEFAULT) : shared;
                try (Tensor image = s.allocate(new Shape(3, h, w));
                        Tensor gradient = s.allocate(new Shape(3, h, w))) {
                    s.write(image, pixels);
                    step(s, image, gradient, i, reconstruct);
                    s.read(image, pixels);
                } finally {
                    if (fresh) {
                        s.close();
                    }
                }
                if (!fresh && i == 4) {
                    s.endRun(); // the pool goes and comes back (new memory, NaN again)
                }
            }
        } finally {
            if (shared != null) {
                shared.close();
            }
        }
        return pixels;
    }

    @ParameterizedTest
    @ValueSource(strings = {OneDnnBackendProvider.NAME, WINOGRAD, VectorBackendProvider.NAME})
    void sizesSharingOnePoolGiveTheBitsOfFreshSessions(String name) {
        try (Backend backend = backend(name)) {
            for (String cfg : List.of(TestModels.MIXED, TestModels.STRIDED)) {
                Model model = TestModels.model(cfg, 3);
                for (boolean reconstruct : new boolean[] {false, true}) {
                    Pool.poisonForTests = false;
                    float[] expected = run(backend, model, true, reconstruct);
                    Pool.poisonForTests = true;
                    float[] actual = run(backend, model, false, reconstruct);
                    assertThat(expected).as("the reference sequence is finite").doesNotContain(Float.NaN);
                    assertThat(actual)
                            .as((reconstruct ? "reconstruct steps" : "iterations") + " in one session, "
                                    + cfg.lines().count() + "-line cfg")
                            .isEqualTo(expected);
                }
            }
        }
    }
}
