package dev.nightmare.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.ForwardArithmetic;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java kernels' scalar and vector forms ({@link KernelChoice}) give the same bits: whole
 * iterations (jitter, forward, threshold, backward, unjitter, ascend with and without normalising)
 * and reconstruct steps on networks with every layer form — relu and leaky, batch norm in both
 * gradient modes, tiling and overlapping maxpools, channel counts that leave padding lanes — and in
 * both arithmetics, so a backend may switch forms while its sessions run.
 */
class KernelFormsTest {
    private static final String WINOGRAD = "onednn with Winograd on every layer it can take";

    private static Backend backend(String name, String kernels) {
        Map<String, String> properties = name.equals(WINOGRAD)
                ? Map.of("onednn.winograd", "on", "onednn.winogradMinChannels", "1", KernelChoice.PROPERTY, kernels)
                : name.equals(OneDnnBackendProvider.NAME)
                        // direct convolutions in both forms (auto would add Winograd to the vector one only)
                        ? Map.of("onednn.winograd", "off", KernelChoice.PROPERTY, kernels)
                        : Map.of(KernelChoice.PROPERTY, kernels);
        BackendConfig config = new BackendConfig(2, properties);
        return name.equals(VectorBackendProvider.NAME)
                ? new VectorBackendProvider().create(config)
                : new OneDnnBackendProvider().create(config);
    }

    private static float[] dream(Backend backend, Model model, SessionOptions options, int target) {
        int w = 45, h = 38;
        try (DreamSession s = backend.open(model, options);
                Tensor image = s.allocate(new Shape(3, h, w));
                Tensor gradient = s.allocate(new Shape(3, h, w))) {
            s.write(image, TestModels.uniform(3, 3 * w * h, 0, 1));
            int[][] sizes = {{45, 38}, {33, 28}, {51, 43}};
            for (int it = 0; it < 6; it++) {
                int[] size = sizes[it % sizes.length];
                s.optimize(
                        image,
                        gradient,
                        s.stack(target, size[0], size[1]),
                        new Jitter(it - 3, 4 - it, it % 2 == 1),
                        it == 4 ? 0.5f : 1f,
                        0.04f,
                        it != 3);
            }
            LayerStack stack = s.stack(target, w, h);
            try (Tensor features = s.allocate(stack.outputShape());
                    Tensor update = s.allocate(stack.inputShape())) {
                s.write(
                        features,
                        TestModels.uniform(9, (int) stack.outputShape().size(), 0, 1));
                for (int it = 0; it < 2; it++) {
                    s.copy(image, stack.input());
                    s.forward(stack);
                    s.reconstructionGradient(stack, features);
                    s.backward(stack);
                    s.momentumStep(image, update, stack, 0.04f, 0.9f);
                }
            }
            float[] out = new float[3 * w * h];
            s.read(image, out);
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {OneDnnBackendProvider.NAME, WINOGRAD, VectorBackendProvider.NAME})
    void scalarAndVectorKernelsGiveTheSameBits(String name) {
        List<String> cfgs = List.of(TestModels.MIXED, TestModels.STRIDED, WarmUp.CFG);
        List<SessionOptions> options = List.of(
                SessionOptions.DEFAULT,
                new SessionOptions(BatchNormGradient.EXACT),
                SessionOptions.DARKNET.withForwardArithmetic(ForwardArithmetic.DARKNET));
        try (Backend scalar = backend(name, "scalar");
                Backend vector = backend(name, "vector")) {
            for (String cfg : cfgs) {
                Model model = TestModels.model(cfg, 11);
                int target = model.spec().lastTargetableLayer();
                for (SessionOptions o : options) {
                    float[] a = dream(scalar, model, o, target);
                    float[] b = dream(vector, model, o, target);
                    assertThat(a)
                            .as(o + ", " + cfg.lines().count() + "-line cfg")
                            .isEqualTo(b);
                }
            }
        }
    }

    @Test
    void warmUpSwitchesAutoToTheVectorForm() {
        try (Backend backend = backend(OneDnnBackendProvider.NAME, "auto");
                Backend scalar = backend(OneDnnBackendProvider.NAME, "scalar")) {
            CpuBackend cpu = (CpuBackend) backend;
            assertThat(cpu.kernels().vector()).isFalse();
            Model model = TestModels.model(TestModels.MIXED, 4);
            float[] before = dream(backend, model, SessionOptions.DEFAULT, 3);
            backend.warmUp();
            assertThat(cpu.kernels().vector()).isTrue();
            assertThat(dream(backend, model, SessionOptions.DEFAULT, 3)).isEqualTo(before);
            scalar.warmUp();
            assertThat(((CpuBackend) scalar).kernels().vector()).isFalse();
        }
    }
}
