package dev.nightmare.engine.cpu.onednn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which layers {@code onednn.backwardData=forward} runs as a transposed forward convolution (the
 * contract test, {@code OneDnnTransposedBackwardContractTest}, checks the numbers).
 */
class TransposedBackwardTest {
    @Test
    void strideOneLayersWithEightOrMoreInputChannelsRunBackwardDataAsForward() {
        Model model = TestModels.model(TestModels.MIXED, 7);
        OneDnnRuntime runtime = new OneDnnRuntime(1);
        try (OneDnnConvolutions on = new OneDnnConvolutions(runtime, model, true);
                OneDnnConvolutions off = new OneDnnConvolutions(runtime, model, false)) {
            // MIXED: layer 0 is 3→8 at 16×16, layer 2 is 8→12 after a 2×2 maxpool.
            for (OneDnnConvolutions c : new OneDnnConvolutions[] {on, off}) {
                c.prepare(0, new Shape(3, 16, 16), Layout.PLANAR, new Shape(8, 16, 16), true);
                c.prepare(2, new Shape(8, 8, 8), Layout.BLOCKED, new Shape(12, 8, 8), true);
            }
            assertThat(on.implementations().get(0))
                    .as("3 input channels: oneDNN's backward")
                    .doesNotContain("as forward");
            assertThat(on.implementations().get(1)).contains("backward data as forward");
            assertThat(off.implementations()).noneMatch(d -> d.contains("as forward"));
        }
    }

    @Test
    void thePropertyIsForwardOrOnednn() {
        assertThat(OneDnnBackendProvider.backwardDataAsForward(new BackendConfig(1, Map.of())))
                .isEqualTo(OneDnnBackendProvider.DEFAULT_BACKWARD_DATA.equals("forward"));
        assertThat(OneDnnBackendProvider.backwardDataAsForward(
                        new BackendConfig(1, Map.of("onednn.backwardData", "forward"))))
                .isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OneDnnBackendProvider.backwardDataAsForward(
                        new BackendConfig(1, Map.of("onednn.backwardData", "gemm"))))
                .hasMessageContaining("onednn.backwardData");
    }

    @Test
    void transposeFlipsTheKernelAndSwapsItsChannels() {
        // 2 filters × 1 channel × 2×2 → 1 filter × 2 channels, each kernel rotated by 180°.
        float[] w = {1, 2, 3, 4, 5, 6, 7, 8};
        assertThat(dev.nightmare.engine.model.ConvolutionalWeights.transposeFlipped(w, 2, 1, 2))
                .containsExactly(4, 3, 2, 1, 8, 7, 6, 5);
    }
}
