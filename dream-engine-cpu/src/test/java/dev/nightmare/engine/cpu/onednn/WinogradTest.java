package dev.nightmare.engine.cpu.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.cpu.Convolutions.Convolution;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.NativeBudget;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Winograd F(4×4, 3×3) layers against oneDNN's direct convolution of the same layer: forward with
 * bias and relu/leaky fused, backward data, channel counts that are not whole blocks of 16, and
 * sizes that are not whole tiles (the backend contract test checks whole sessions against the oracle).
 */
class WinogradTest {
    /** Layer 1: 16 → 40 leaky; layer 2: 40 → 24 relu; layer 3: 24 → 32 batch-normalised. */
    static final String CFG = """
            [net]
            width=24
            height=24
            channels=3
            [convolutional]
            filters=16
            size=3
            stride=1
            pad=1
            activation=relu
            [convolutional]
            filters=40
            size=3
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            filters=24
            size=3
            stride=1
            pad=1
            activation=relu
            [convolutional]
            batch_normalize=1
            filters=32
            size=3
            stride=1
            pad=1
            activation=leaky
            """;

    /** Same bound as the backend contract: relative to the largest reference value. */
    private static final double TOLERANCE = 2e-5;

    @ParameterizedTest(name = "layer {0} at {1}×{2}, {3} threads")
    @CsvSource({"1, 13, 11, 2", "2, 13, 11, 2", "3, 17, 9, 2", "1, 4, 4, 1", "2, 1, 7, 2", "3, 5, 1, 1", "1, 40, 36, 2"
    })
    void matchesDirectConvolution(int layer, int height, int width, int threads) {
        Model model = TestModels.model(CFG, 11);
        OneDnnRuntime runtime = new OneDnnRuntime(threads);
        int[] channels = {3, 16, 40, 24, 32};
        Shape in = new Shape(channels[layer], height, width);
        Shape out = new Shape(channels[layer + 1], height, width);
        boolean biasAndActivation = layer != 3;
        try (Workers workers = new Workers(threads);
                OneDnnConvolutions direct = new OneDnnConvolutions(runtime, model, true);
                OneDnnConvolutions wino =
                        new OneDnnConvolutions(runtime, model, true, new Winograd(runtime, workers, 1));
                CpuTensor x = random(in, 1);
                CpuTensor gy = random(out, 2);
                CpuTensor yDirect = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor yWino = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor gxDirect = CpuTensor.allocate(in, Layout.BLOCKED);
                CpuTensor gxWino = CpuTensor.allocate(in, Layout.BLOCKED)) {
            Convolution d = direct.prepare(layer, in, Layout.BLOCKED, out, biasAndActivation);
            Convolution w = wino.prepare(layer, in, Layout.BLOCKED, out, biasAndActivation);
            assertThat(wino.implementations()).singleElement().asString().contains("Winograd");
            d.forward(x, yDirect);
            w.forward(x, yWino);
            assertClose(yDirect, yWino, "forward");
            d.backwardData(gy, gxDirect);
            w.backwardData(gy, gxWino);
            assertClose(gxDirect, gxWino, "backward data");
            // Same inputs, same bits: the block split is fixed.
            try (CpuTensor again = CpuTensor.allocate(out, Layout.BLOCKED)) {
                w.forward(x, again);
                assertThat(again.data().mismatch(yWino.data())).isEqualTo(-1L);
            }
        }
    }

    @Test
    void aSessionCalledFromManyThreadsKeepsOneScratchPerWorkerPart() throws Exception {
        Model model = TestModels.model(CFG, 11);
        OneDnnRuntime runtime = new OneDnnRuntime(2);
        Shape in = new Shape(16, 20, 20), out = new Shape(40, 20, 20);
        try (Workers workers = new Workers(2);
                OneDnnConvolutions direct = new OneDnnConvolutions(runtime, model, true);
                CpuTensor x = random(in, 3);
                CpuTensor expected = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor y = CpuTensor.allocate(out, Layout.BLOCKED)) {
            Winograd winograd = new Winograd(runtime, workers, 1);
            try (OneDnnConvolutions wino = new OneDnnConvolutions(runtime, model, true, winograd)) {
                Convolution w = wino.prepare(1, in, Layout.BLOCKED, out, true);
                direct.prepare(1, in, Layout.BLOCKED, out, true).forward(x, expected);
                for (int i = 0; i < 6; i++) { // a job thread per call, one at a time, as a service might
                    Thread t = new Thread(() -> w.forward(x, y));
                    t.start();
                    t.join();
                    assertClose(expected, y, "forward on thread " + i);
                }
                assertThat(winograd.scratchStates()).isEqualTo(2);
            }
        }
    }

    @Test
    void onlyThreeByThreeStrideOneLayersWithEnoughChannelsRunIt() {
        Model model = TestModels.model(CFG, 11);
        OneDnnRuntime runtime = new OneDnnRuntime(1);
        try (Workers workers = new Workers(1);
                OneDnnConvolutions c =
                        new OneDnnConvolutions(runtime, model, true, new Winograd(runtime, workers, 24))) {
            c.prepare(0, new Shape(3, 8, 8), Layout.PLANAR, new Shape(16, 8, 8), true);
            c.prepare(1, new Shape(16, 8, 8), Layout.BLOCKED, new Shape(40, 8, 8), true);
            c.prepare(2, new Shape(40, 8, 8), Layout.BLOCKED, new Shape(24, 8, 8), true);
            assertThat(c.implementations().get(0)).as("planar 3-channel input").doesNotContain("Winograd");
            assertThat(c.implementations().get(1)).as("16 < 24 input channels").doesNotContain("Winograd");
            assertThat(c.implementations().get(2)).contains("Winograd");
        }
    }

    @Test
    void optionsSayWhatIsAccepted() {
        assertThat(OneDnnBackendProvider.winogradMinChannels(new BackendConfig(1, Map.of())))
                .isEqualTo(OneDnnBackendProvider.DEFAULT_WINOGRAD_MIN_CHANNELS);
        assertThat(OneDnnBackendProvider.winogradMinChannels(new BackendConfig(1, Map.of("onednn.winograd", "off"))))
                .isZero();
        assertThat(OneDnnBackendProvider.winogradMinChannels(
                        new BackendConfig(1, Map.of("onednn.winogradMinChannels", "8"))))
                .isEqualTo(8);
        assertThatThrownBy(() -> OneDnnBackendProvider.winogradMinChannels(
                        new BackendConfig(1, Map.of("onednn.winograd", "yes"))))
                .hasMessageContaining("onednn.winograd must be on, off or auto");
        assertThatThrownBy(() -> OneDnnBackendProvider.winogradMinChannels(
                        new BackendConfig(1, Map.of("onednn.winogradMinChannels", "-3"))))
                .hasMessageContaining("≥ 1");
    }

    @Test
    void byDefaultWinogradWaitsForTheBackendToBeWarm() {
        assertThat(OneDnnBackendProvider.winogradOnlyWhenWarm(new BackendConfig(1, Map.of())))
                .isTrue();
        assertThat(OneDnnBackendProvider.winogradOnlyWhenWarm(new BackendConfig(1, Map.of("onednn.winograd", "on"))))
                .isFalse();
        Model model = TestModels.model(TestModels.MIXED, 7);
        OneDnnRuntime runtime = new OneDnnRuntime(1);
        AtomicBoolean warm = new AtomicBoolean();
        try (Workers workers = new Workers(1);
                OneDnnConvolutions c = new OneDnnConvolutions(
                        runtime,
                        model,
                        true,
                        new Winograd(runtime, workers, 8),
                        warm::get,
                        NativeBudget.unlimited().open())) {
            c.prepare(2, new Shape(8, 8, 8), Layout.BLOCKED, new Shape(12, 8, 8), true);
            warm.set(true);
            c.prepare(2, new Shape(8, 10, 10), Layout.BLOCKED, new Shape(12, 10, 10), true);
            assertThat(c.implementations().get(0)).as("cold: direct").doesNotContain("Winograd");
            assertThat(c.implementations().get(1)).as("warm: Winograd").contains("Winograd");
        }
    }

    @Test
    void kernelTransformOfAUnitKernelIsGTimesGTransposed() {
        // g = 1 at its centre: G g Gᵀ = outer(G[:,1], G[:,1]).
        float[] g = {0, 0, 0, 0, 1, 0, 0, 0, 0};
        float[] u = new float[36];
        WinogradTransforms.kernels(g, 1, 1, 1, 1, java.lang.foreign.MemorySegment.ofArray(u));
        double[] column = {0, -1.0 / 6, 1.0 / 6, 1.0 / 12, -1.0 / 12, 0};
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                assertThat((double) u[i * 6 + j])
                        .isCloseTo(column[i] * column[j], org.assertj.core.data.Offset.offset(1e-7));
            }
        }
    }

    private static CpuTensor random(Shape s, long seed) {
        CpuTensor t = CpuTensor.allocate(s, Layout.BLOCKED);
        float[] values = TestModels.uniform(seed, (int) s.size(), -1, 1);
        int n = 0;
        for (int c = 0; c < s.channels(); c++) {
            for (int y = 0; y < s.height(); y++) {
                for (int x = 0; x < s.width(); x++) {
                    t.data().setAtIndex(ValueLayout.JAVA_FLOAT, Layout.BLOCKED.index(s, c, y, x), values[n++]);
                }
            }
        }
        return t;
    }

    /** Every stored float, padding channels included (they must stay zero). */
    private static void assertClose(CpuTensor expected, CpuTensor actual, String what) {
        long n = expected.storageFloats();
        double maxRef = 0, maxDiff = 0;
        for (long i = 0; i < n; i++) {
            float e = expected.data().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float a = actual.data().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            maxRef = Math.max(maxRef, Math.abs(e));
            maxDiff = Math.max(maxDiff, Math.abs(e - a));
        }
        assertThat(maxRef).as(what + ": a non-trivial reference").isGreaterThan(0.1);
        assertThat(maxDiff)
                .as(what + ": max |difference| vs max |reference| " + maxRef)
                .isLessThanOrEqualTo(TOLERANCE * maxRef);
    }
}
