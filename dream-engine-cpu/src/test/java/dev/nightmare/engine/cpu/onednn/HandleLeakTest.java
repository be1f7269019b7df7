package dev.nightmare.engine.cpu.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.cpu.Convolutions.Convolution;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every oneDNN object is a {@link Handle}: a preparation or first run that fails at any of its
 * creates leaves no object behind once its owner is closed, and a whole session frees all of its
 * objects on close. Failures are injected with {@link Handle#failAfter}, one create at a time, and
 * also come from oneDNN itself.
 */
class HandleLeakTest {
    /** The channels of {@link WinogradTest#CFG}: layer 3 is batch-normalised; Winograd takes 1 to 3 with minChannels 1. */
    private static final int[] CHANNELS = {3, 16, 40, 24, 32};

    @AfterEach
    void noInjectedFailureLeft() {
        Handle.failAfter(-1);
    }

    /** How a layer is run: which convolutions object, given the runtime and 2 worker threads. */
    enum Algorithm {
        /** oneDNN's backward data (layer 0: a planar input, 3 channels). */
        DIRECT((r, w) -> new OneDnnConvolutions(r, TestModels.model(WinogradTest.CFG, 5), false)),
        /** Backward data as the forward convolution with the transposed kernels. */
        TRANSPOSED((r, w) -> new OneDnnConvolutions(r, TestModels.model(WinogradTest.CFG, 5), true)),
        WINOGRAD((r, w) ->
                new OneDnnConvolutions(r, TestModels.model(WinogradTest.CFG, 5), true, new Winograd(r, w, 1)));

        final BiFunction<OneDnnRuntime, Workers, OneDnnConvolutions> make;

        Algorithm(BiFunction<OneDnnRuntime, Workers, OneDnnConvolutions> make) {
            this.make = make;
        }
    }

    @ParameterizedTest(name = "layer {0}, {1}")
    @CsvSource({"0, DIRECT", "1, DIRECT", "3, DIRECT", "1, TRANSPOSED", "3, TRANSPOSED", "1, WINOGRAD", "3, WINOGRAD"})
    void aFailureAtAnyCreateLeavesNoHandleBehind(int layer, Algorithm algorithm) {
        OneDnnRuntime runtime = new OneDnnRuntime(2);
        int failures = 0;
        for (int creates = 0; ; creates++) {
            int before = Handle.live();
            boolean failed;
            try (Workers workers = new Workers(2);
                    OneDnnConvolutions convolutions = algorithm.make.apply(runtime, workers)) {
                failed = prepareAndRunOnce(convolutions, layer, creates);
            }
            assertThat(Handle.live())
                    .as("live handles after a failure at create %d, once the convolutions are closed", creates)
                    .isEqualTo(before);
            if (!failed) {
                break;
            }
            failures++;
        }
        // Descriptors, attributes, primitive descriptors, primitives, memory objects, reorders (and
        // Winograd's per-part streams) each failed in turn.
        assertThat(failures).isGreaterThanOrEqualTo(algorithm == Algorithm.WINOGRAD ? 8 : 12);
    }

    /** Prepares {@code layer} and runs it forward and back once, failing create {@code creates}; whether it failed. */
    private static boolean prepareAndRunOnce(OneDnnConvolutions convolutions, int layer, int creates) {
        Shape in = new Shape(CHANNELS[layer], 12, 12), out = new Shape(CHANNELS[layer + 1], 12, 12);
        Layout inLayout = layer == 0 ? Layout.PLANAR : Layout.BLOCKED;
        try (CpuTensor x = CpuTensor.allocate(in, inLayout);
                CpuTensor y = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor gx = CpuTensor.allocate(in, Layout.BLOCKED)) {
            Handle.failAfter(creates);
            try {
                Convolution c = convolutions.prepare(layer, in, inLayout, out, layer != 3);
                c.forward(x, y);
                c.backwardData(y, gx);
                return false;
            } catch (IllegalStateException e) {
                assertThat(e).hasMessageContaining("oneDNN").hasMessageContaining("failed with status");
                return true;
            } finally {
                Handle.failAfter(-1);
            }
        }
    }

    @Test
    void aLayerOneDnnRefusesLeavesNoHandleBehind() {
        OneDnnRuntime runtime = new OneDnnRuntime(1);
        try (OneDnnConvolutions convolutions =
                new OneDnnConvolutions(runtime, TestModels.model(WinogradTest.CFG, 5), true)) {
            int before = Handle.live();
            // 41 output channels for a 40-filter layer: the forward descriptor fails after its
            // memory descriptors and attributes were made.
            assertThatThrownBy(() -> convolutions.prepare(
                            1, new Shape(16, 12, 12), Layout.BLOCKED, new Shape(41, 12, 12), false))
                    .hasMessageContaining("convolution forward for layer 1");
            assertThat(Handle.live()).isEqualTo(before);
        }
    }

    @Test
    void aSessionFreesEveryHandleOnClose() {
        Model model = TestModels.model(TestModels.MIXED, 3);
        int before = Handle.live();
        // Winograd for layer 2 (8 → 12); backward data as forward, or oneDNN's in darknet's arithmetic.
        for (String backwardData : new String[] {"forward", "onednn"}) {
            BackendConfig config = new BackendConfig(
                    2,
                    Map.of(
                            "onednn.backwardData",
                            backwardData,
                            "onednn.winograd",
                            "on",
                            "onednn.winogradMinChannels",
                            "8"));
            SessionOptions options = backwardData.equals("forward") ? SessionOptions.DEFAULT : SessionOptions.DARKNET;
            try (Backend backend = new OneDnnBackendProvider().create(config);
                    DreamSession session = backend.open(model, options)) {
                for (int size : new int[] {16, 12}) {
                    LayerStack stack = session.stack(3, size, size);
                    session.forward(stack);
                    session.thresholdGradient(stack, 1f);
                    session.backward(stack);
                }
                assertThat(Handle.live()).as("while the session is open").isGreaterThan(before);
            }
            assertThat(Handle.live())
                    .as("after closing, backward data by " + backwardData)
                    .isEqualTo(before);
        }
    }

    @Test
    void aHandleIsDestroyedOnceAndNotUsedAfterItMoved() {
        int before = Handle.live();
        Handle<org.bytedeco.dnnl.dnnl_memory_desc> desc =
                Dnnl.desc(new long[] {4}, org.bytedeco.dnnl.global.dnnl.dnnl_x);
        assertThat(Handle.live()).isEqualTo(before + 1);
        Handle<org.bytedeco.dnnl.dnnl_memory_desc> moved = desc.move();
        desc.close();
        assertThat(Handle.live()).as("closing a moved-from handle").isEqualTo(before + 1);
        assertThatThrownBy(desc::get).isInstanceOf(IllegalStateException.class);
        moved.close();
        moved.close();
        assertThat(Handle.live()).isEqualTo(before);
    }
}
