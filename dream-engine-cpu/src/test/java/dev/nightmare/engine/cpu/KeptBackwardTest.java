package dev.nightmare.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackwardState;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.cpu.vector.VectorBackendProvider;
import dev.nightmare.engine.testing.TestImages;
import dev.nightmare.engine.testing.TestModels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A kept backward state stands for the forward it was saved from: after other sizes have run over
 * the shared pool, restoring it and back-propagating gives the bits of back-propagating right
 * after the forward; it holds what the session said it would, in the session's native account.
 */
class KeptBackwardTest {
    static Stream<Arguments> cases() {
        return Stream.of(OneDnnBackendProvider.NAME, VectorBackendProvider.NAME)
                .flatMap(backend -> Stream.of(
                        Arguments.of(backend, "MIXED", 3),
                        Arguments.of(backend, "MIXED", 1),
                        Arguments.of(backend, "STRIDED", 3),
                        Arguments.of(backend, "STRIDED", 1)));
    }

    private static Backend backend(String name) {
        BackendConfig config = new BackendConfig(2, Map.of());
        return name.equals(VectorBackendProvider.NAME)
                ? new VectorBackendProvider().create(config)
                : new OneDnnBackendProvider().create(config);
    }

    private static String cfg(String name) {
        return name.equals("MIXED") ? TestModels.MIXED : TestModels.STRIDED;
    }

    @ParameterizedTest(name = "{0}, {1} layer {2}")
    @MethodSource("cases")
    void restoringGivesTheBitsOfBackPropagatingRightAfterTheForward(String backendName, String model, int layer) {
        try (Backend backend = backend(backendName);
                DreamSession session =
                        backend.open(TestModels.model(cfg(model), 5), new SessionOptions(BatchNormGradient.EXACT));
                Tensor image = session.upload(TestImages.noise(61, 47, 1))) {
            LayerStack stack = session.stack(layer, 61, 47);
            session.jitter(image, new Jitter(2, -3, true), stack);
            session.forward(stack);
            float[] output = read(session, stack.output());
            session.thresholdGradient(stack, 0.3f);
            float[] outputGradient = read(session, stack.outputGradient());
            long held = session.nativeBytes();
            BackwardState state = session.saveBackwardState(stack).orElseThrow();
            assertThat(state.bytes())
                    .as("the bytes the session said it would keep")
                    .isEqualTo(session.backwardStateBytes(layer, 61, 47))
                    .isPositive();
            assertThat(session.nativeBytes() - held)
                    .as("counted in the account")
                    .isEqualTo(state.bytes());
            session.backward(stack);
            float[] direct = read(session, stack.inputGradient());

            // Another size runs over the same pool memory; then the state comes back.
            LayerStack other = session.stack(layer, 53, 59);
            session.jitter(image, new Jitter(-1, 1, false), other);
            session.forward(other);
            session.thresholdGradient(other, 0.3f);
            session.backward(other);

            LayerStack again = session.stack(layer, 61, 47);
            session.restoreBackwardState(again, state);
            assertThat(read(session, again.output())).as("the output").isEqualTo(output);
            session.write(again.outputGradient(), outputGradient);
            session.backward(again);
            assertThat(read(session, again.inputGradient())).isEqualTo(direct);
            assertThat(direct).as("a gradient that can differ").isNotEqualTo(new float[direct.length]);

            long before = session.nativeBytes();
            state.close();
            assertThat(before - session.nativeBytes())
                    .as("released when closed")
                    .isEqualTo(state.bytes());
        }
    }

    @Test
    void aStateRestoresOnlyItsOwnLayersAndSize() {
        try (Backend backend = backend(OneDnnBackendProvider.NAME);
                DreamSession session = backend.open(
                        TestModels.model(TestModels.MIXED, 5), new SessionOptions(BatchNormGradient.EXACT))) {
            LayerStack stack = session.stack(3, 40, 30);
            session.forward(stack);
            try (BackwardState state = session.saveBackwardState(stack).orElseThrow()) {
                assertThatThrownBy(() -> session.restoreBackwardState(session.stack(3, 30, 40), state))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("40×30");
            }
        }
    }

    @Test
    void darknetsBatchNormGradientReadsTheRawValuesSoNothingIsKept() {
        try (Backend backend = backend(OneDnnBackendProvider.NAME);
                DreamSession session = backend.open(
                        TestModels.model(TestModels.MIXED, 5), new SessionOptions(BatchNormGradient.DARKNET))) {
            assertThat(session.backwardStateBytes(1, 40, 30)).isPositive();
            assertThat(session.backwardStateBytes(2, 40, 30)).isZero();
        }
    }

    @Test
    void signsPackAndUnpackAlikeInBothForms() {
        int count = 64 * 37 + 16; // whole words and a part one
        SplittableRandom random = new SplittableRandom(3);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        values[5] = Float.NaN;
        values[6] = -0f;
        values[7] = 0f;
        values[8] = Float.MIN_VALUE;
        try (Workers workers = new Workers(2);
                Arena arena = Arena.ofConfined()) {
            MemorySegment floats = arena.allocate((long) count * Float.BYTES, 64);
            MemorySegment.copy(values, 0, floats, ValueLayout.JAVA_FLOAT, 0, count);
            long[][] packed = new long[2][];
            float[][] unpacked = new float[2][];
            for (KernelChoice.Mode mode :
                    new KernelChoice.Mode[] {KernelChoice.Mode.SCALAR, KernelChoice.Mode.VECTOR}) {
                SignBits signs = new SignBits(workers, new KernelChoice(mode));
                MemorySegment bits = arena.allocate(SignBits.bytes(count) + 8, 8);
                signs.pack(floats, count, bits, 8);
                MemorySegment back = arena.allocate((long) count * Float.BYTES, 64);
                signs.unpack(bits, 8, back, count);
                packed[mode.ordinal() - 1] = bits.asSlice(8).toArray(ValueLayout.JAVA_LONG);
                unpacked[mode.ordinal() - 1] = back.toArray(ValueLayout.JAVA_FLOAT);
            }
            assertThat(packed[1]).isEqualTo(packed[0]);
            assertThat(unpacked[1]).isEqualTo(unpacked[0]);
            for (int i = 0; i < count; i++) {
                assertThat(unpacked[0][i]).as("float %d (%s)", i, values[i]).isEqualTo(values[i] > 0 ? 1f : 0f);
            }
        }
    }

    private static float[] read(DreamSession session, Tensor t) {
        float[] out = new float[Math.toIntExact(t.shape().size())];
        session.read(t, out);
        return out;
    }
}
