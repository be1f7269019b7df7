package dev.nightmare.engine.cpu.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.cpu.Convolutions.Convolution;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The weights cache's keys: a layer's kernels as stored and transposed are cached apart. */
class KernelsKeyTest {
    @Test
    void aLayersTwoKernelFormsAreDifferentKeys() {
        assertThat(KernelsKey.of(3)).isEqualTo(new KernelsKey(3, false)).hasSameHashCodeAs(KernelsKey.of(3));
        assertThat(KernelsKey.transposedOf(3)).isEqualTo(new KernelsKey(3, true));
        assertThat(KernelsKey.of(3)).isNotEqualTo(KernelsKey.transposedOf(3)).isNotEqualTo(KernelsKey.of(2));
        assertThat(KernelsKey.transposedOf(0)).isNotEqualTo(KernelsKey.of(0));
        assertThat(KernelsKey.transposedOf(2).toString()).contains("layer=2").contains("transposed=true");
    }

    @Test
    void aKeyNamesALayer() {
        assertThatThrownBy(() -> KernelsKey.of(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KernelsKey.transposedOf(-2)).hasMessageContaining("-2");
    }

    @Test
    void backwardDataAsForwardCachesTheTransposedKernelsUnderTheirOwnKey() {
        // MIXED: layer 2 is 8 → 12, 3×3 stride 1, after a 2×2 maxpool.
        Model model = TestModels.model(TestModels.MIXED, 7);
        OneDnnRuntime runtime = new OneDnnRuntime(1);
        Shape in = new Shape(8, 8, 8), out = new Shape(12, 8, 8);
        try (OneDnnConvolutions transposed = new OneDnnConvolutions(runtime, model, true);
                OneDnnConvolutions onednn = new OneDnnConvolutions(runtime, model, false);
                CpuTensor x = CpuTensor.allocate(in, Layout.BLOCKED);
                CpuTensor y = CpuTensor.allocate(out, Layout.BLOCKED)) {
            Convolution t = transposed.prepare(2, in, Layout.BLOCKED, out, true);
            t.forward(x, y);
            assertThat(transposed.cachedKernels()).isEqualTo(Map.of(KernelsKey.of(2), 1));
            t.backwardData(y, x);
            assertThat(transposed.cachedKernels())
                    .isEqualTo(Map.of(KernelsKey.of(2), 1, KernelsKey.transposedOf(2), 1));

            Convolution o = onednn.prepare(2, in, Layout.BLOCKED, out, true);
            o.forward(x, y);
            o.backwardData(y, x);
            assertThat(onednn.cachedKernels())
                    .as("oneDNN's backward data reads the kernels as stored, in its own layout or the forward's")
                    .containsOnlyKeys(KernelsKey.of(2));
        }
    }

    @Test
    void winogradCachesEachDirectionsTransformedKernelsUnderTheLayersKeys() {
        Model model = TestModels.model(TestModels.MIXED, 7);
        OneDnnRuntime runtime = new OneDnnRuntime(1);
        Shape in = new Shape(8, 8, 8), out = new Shape(12, 8, 8);
        try (Workers workers = new Workers(1);
                OneDnnConvolutions c = new OneDnnConvolutions(runtime, model, true, new Winograd(runtime, workers, 8));
                CpuTensor x = CpuTensor.allocate(in, Layout.BLOCKED);
                CpuTensor y = CpuTensor.allocate(out, Layout.BLOCKED)) {
            Convolution w = c.prepare(2, in, Layout.BLOCKED, out, true);
            assertThat(c.implementations()).singleElement().asString().contains("Winograd");
            w.backwardData(y, x);
            assertThat(c.cachedKernels()).isEqualTo(Map.of(KernelsKey.transposedOf(2), 1));
            w.forward(x, y);
            w.forward(x, y);
            assertThat(c.cachedKernels()).isEqualTo(Map.of(KernelsKey.of(2), 1, KernelsKey.transposedOf(2), 1));
        }
    }
}
