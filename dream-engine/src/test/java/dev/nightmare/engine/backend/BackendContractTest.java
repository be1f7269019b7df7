package dev.nightmare.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.reference.ReferenceBackend;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.Compare;
import dev.nightmare.engine.testing.TestModels;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every backend meets: each step, run on seeded inputs, matches the reference backend
 * (the oracle) within explicit tolerances, on every layer type and several shapes (odd sizes,
 * strides, 1×1, batch norm, leaky, avgpool and softmax targets); and identical inputs give
 * bit-identical outputs. A backend's
 * module subclasses this and supplies {@link #createBackend()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContractTest {
    /** Per-element tolerance for layer outputs and gradients, relative to the largest reference value. */
    protected double relativeTolerance() {
        return 2e-5;
    }

    protected abstract Backend createBackend();

    /** Session options the backend is tested with (darknet's batch-norm gradient by default). */
    protected SessionOptions sessionOptions() {
        return SessionOptions.DEFAULT;
    }

    private Backend backend;
    private Backend oracle;

    @BeforeAll
    void open() {
        backend = createBackend();
        oracle = new ReferenceBackend(1);
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
        oracle.close();
    }

    /** (cfg, target layer, width, height) cases: odd sizes, every layer as target. */
    static Stream<Arguments> stacks() {
        return Stream.of(
                Arguments.of("MIXED", 0, 17, 13),
                Arguments.of("MIXED", 1, 17, 13),
                Arguments.of("MIXED", 2, 16, 16),
                Arguments.of("MIXED", 3, 23, 9),
                Arguments.of("STRIDED", 1, 31, 27),
                Arguments.of("STRIDED", 3, 40, 33),
                Arguments.of("STRIDED", 2, 24, 24),
                Arguments.of("POOLED", 3, 17, 13),
                Arguments.of("POOLED", 4, 23, 9),
                Arguments.of("POOLED", 4, 1, 1),
                Arguments.of("POOLED_IMAGE", 0, 9, 7),
                Arguments.of("POOLED_IMAGE", 1, 9, 7));
    }

    private static String cfg(String name) {
        return switch (name) {
            case "MIXED" -> TestModels.MIXED;
            case "STRIDED" -> TestModels.STRIDED;
            case "POOLED" -> TestModels.POOLED;
            default -> TestModels.POOLED_IMAGE;
        };
    }

    /** Runs {@code step} on both backends with identical sessions and compares with {@code check}. */
    private void onBoth(String cfgName, BiConsumer<DreamSession, float[][]> step, int outputs, Checker check) {
        Model model = TestModels.model(cfg(cfgName), 7);
        float[][] expected = new float[outputs][];
        float[][] actual = new float[outputs][];
        try (DreamSession ref = oracle.open(model, sessionOptions());
                DreamSession under = backend.open(model, sessionOptions())) {
            step.accept(ref, expected);
            step.accept(under, actual);
        }
        for (int i = 0; i < outputs; i++) {
            check.check(i, expected[i], actual[i]);
        }
    }

    @FunctionalInterface
    interface Checker {
        void check(int index, float[] expected, float[] actual);
    }

    private void close(float[] expected, float[] actual, String what) {
        Compare c = Compare.of(expected, actual);
        double tolerance = relativeTolerance() * Math.max(c.referenceMaxAbs(), 1e-3);
        assertThat(c.maxAbs()).as(what + ": " + c).isLessThanOrEqualTo(tolerance);
    }

    private static float[] read(DreamSession s, Tensor t) {
        float[] out = new float[Math.toIntExact(t.shape().size())];
        s.read(t, out);
        return out;
    }

    @ParameterizedTest(name = "{0} layer {1} at {2}×{3}")
    @MethodSource("stacks")
    void forwardMatchesReference(String cfg, int layer, int w, int h) {
        float[] input = TestModels.uniform(11, 3 * w * h, 0, 1);
        onBoth(
                cfg,
                (s, out) -> {
                    LayerStack stack = s.stack(layer, w, h);
                    s.write(stack.input(), input);
                    s.forward(stack);
                    out[0] = read(s, stack.output());
                },
                1,
                (i, e, a) -> close(e, a, "forward"));
    }

    @ParameterizedTest(name = "{0} layer {1} at {2}×{3}")
    @MethodSource("stacks")
    void forwardInDarknetArithmeticIsBitIdenticalToTheOracle(String cfg, int layer, int w, int h) {
        float[] input = TestModels.uniform(27, 3 * w * h, 0, 1);
        Model model = TestModels.model(cfg(cfg), 8);
        float[][] out = new float[2][];
        int i = 0;
        for (Backend b : List.of(oracle, backend)) {
            try (DreamSession s = b.open(model, SessionOptions.DARKNET)) {
                LayerStack stack = s.stack(layer, w, h);
                s.write(stack.input(), input);
                s.forward(stack);
                out[i++] = read(s, stack.output());
            }
        }
        assertThat(out[1]).as("darknet arithmetic: every output bit-identical").isEqualTo(out[0]);
    }

    @ParameterizedTest(name = "{0} layer {1} at {2}×{3}")
    @MethodSource("stacks")
    void backwardMatchesReference(String cfg, int layer, int w, int h) {
        float[] input = TestModels.uniform(12, 3 * w * h, 0, 1);
        onBoth(
                cfg,
                (s, out) -> {
                    LayerStack stack = s.stack(layer, w, h);
                    s.write(stack.input(), input);
                    s.forward(stack);
                    float[] grad = TestModels.uniform(
                            13, Math.toIntExact(stack.outputShape().size()), -1, 1);
                    s.write(stack.outputGradient(), grad);
                    s.backward(stack);
                    out[0] = read(s, stack.inputGradient());
                    out[1] = read(s, stack.outputGradient());
                },
                2,
                (i, e, a) -> {
                    if (i == 0) {
                        close(e, a, "input gradient");
                    } else {
                        assertThat(a)
                                .as("backward leaves outputGradient unchanged")
                                .isEqualTo(e);
                    }
                });
    }

    @Test
    void backwardWithExactBatchNormGradientDiffersFromDarknets() {
        Model model = TestModels.model(TestModels.MIXED, 3);
        float[] input = TestModels.uniform(14, 3 * 12 * 12, 0, 1);
        float[][] grads = new float[2][];
        int k = 0;
        for (BatchNormGradient mode : BatchNormGradient.values()) {
            try (DreamSession s = backend.open(model, new SessionOptions(mode));
                    DreamSession ref = oracle.open(model, new SessionOptions(mode))) {
                float[][] both = new float[2][];
                int j = 0;
                for (DreamSession session : List.of(ref, s)) {
                    LayerStack stack = session.stack(3, 12, 12);
                    session.write(stack.input(), input);
                    session.forward(stack);
                    session.write(
                            stack.outputGradient(),
                            TestModels.uniform(15, (int) stack.outputShape().size(), -1, 1));
                    session.backward(stack);
                    both[j++] = read(session, stack.inputGradient());
                }
                close(both[0], both[1], mode + " batch-norm gradient");
                grads[k++] = both[1];
            }
        }
        assertThat(Compare.of(grads[0], grads[1]).maxAbs())
                .as("the two formulas give different gradients")
                .isGreaterThan(1e-4);
    }

    @ParameterizedTest(name = "{0} layer {1} at {2}×{3}")
    @MethodSource("stacks")
    void thresholdGradientMatchesReference(String cfg, int layer, int w, int h) {
        float[] input = TestModels.uniform(16, 3 * w * h, 0, 1);
        onBoth(
                cfg,
                (s, out) -> {
                    LayerStack stack = s.stack(layer, w, h);
                    // Identical activations on both sides: the oracle's forward output, written in.
                    float[] activations = TestModels.uniform(
                            17, Math.toIntExact(stack.outputShape().size()), -2, 3);
                    s.write(stack.input(), input);
                    s.forward(stack);
                    s.write(stack.output(), activations);
                    s.thresholdGradient(stack, 0.5f);
                    out[0] = read(s, stack.outputGradient());
                },
                1,
                (i, e, a) -> close(e, a, "threshold gradient"));
    }

    static Stream<Arguments> jitters() {
        return Stream.of(
                Arguments.of(37, 29, 37, 29, 0, 0, false),
                Arguments.of(37, 29, 27, 21, -8, 7, true),
                Arguments.of(64, 48, 36, 27, 5, -3, false),
                Arguments.of(256, 256, 192, 192, 3, 2, true),
                Arguments.of(20, 30, 8, 12, 7, -8, true));
    }

    @ParameterizedTest(name = "{0}×{1} → {2}×{3} dx={4} dy={5} flip={6}")
    @MethodSource("jitters")
    void jitterAndUnjitterMatchReference(int w, int h, int ws, int hs, int dx, int dy, boolean flip) {
        float[] image = TestModels.uniform(18, 3 * w * h, 0, 1);
        Jitter jitter = new Jitter(dx, dy, flip);
        onBoth(
                "MIXED",
                (s, out) -> {
                    LayerStack stack = s.stack(0, ws, hs);
                    try (Tensor im = s.allocate(new Shape(3, h, w));
                            Tensor grad = s.allocate(new Shape(3, h, w))) {
                        s.write(im, image);
                        s.jitter(im, jitter, stack);
                        out[0] = read(s, stack.input());
                        s.write(stack.inputGradient(), TestModels.uniform(19, 3 * ws * hs, -1, 1));
                        s.unjitter(stack, jitter, grad);
                        out[1] = read(s, grad);
                    }
                },
                2,
                (i, e, a) -> close(e, a, i == 0 ? "jitter" : "unjitter"));
    }

    @ParameterizedTest(name = "normalize={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void ascendMatchesReference(boolean normalize) {
        int w = 33, h = 17;
        onBoth(
                "MIXED",
                (s, out) -> {
                    try (Tensor im = s.allocate(new Shape(3, h, w));
                            Tensor grad = s.allocate(new Shape(3, h, w))) {
                        s.write(im, TestModels.uniform(20, 3 * w * h, 0, 1));
                        s.write(grad, TestModels.uniform(21, 3 * w * h, -0.01f, 0.01f));
                        s.ascend(im, grad, 0.04f, normalize);
                        out[0] = read(s, im);
                        out[1] = new float[] {s.takeStats().skippedSteps()};
                    }
                },
                2,
                (i, e, a) -> {
                    if (i == 0) {
                        close(e, a, "ascend");
                    } else {
                        assertThat(a).isEqualTo(e);
                    }
                });
    }

    @Test
    void ascendSkipsAndCountsAZeroStdStep() {
        int w = 8, h = 8;
        try (DreamSession s = backend.open(TestModels.model(TestModels.MIXED, 1), sessionOptions());
                Tensor im = s.allocate(new Shape(3, h, w));
                Tensor grad = s.allocate(new Shape(3, h, w))) {
            float[] grey = new float[3 * w * h];
            java.util.Arrays.fill(grey, 0.25f);
            s.write(im, grey);
            s.write(grad, new float[3 * w * h]);
            s.ascend(im, grad, 0.04f, true);
            assertThat(read(s, im)).as("image unchanged").isEqualTo(grey);
            assertThat(s.takeStats().skippedSteps()).isEqualTo(1);
            assertThat(s.takeStats().skippedSteps())
                    .as("counters reset when read")
                    .isZero();
        }
    }

    @Test
    void hostArraysLongerThanTheTensorAreReusedAndShorterOnesRefused() {
        int w = 7, h = 5, n = 3 * w * h;
        try (DreamSession s = backend.open(TestModels.model(TestModels.MIXED, 1), sessionOptions());
                Tensor t = s.allocate(new Shape(3, h, w))) {
            float[] values = TestModels.uniform(31, n, 0, 1);
            float[] longer = java.util.Arrays.copyOf(values, n + 9);
            java.util.Arrays.fill(longer, n, n + 9, 7f);
            s.write(t, longer);
            assertThat(read(s, t)).as("the first floats written").isEqualTo(values);

            float[] into = new float[n + 9];
            java.util.Arrays.fill(into, -3f);
            s.read(t, into);
            assertThat(java.util.Arrays.copyOf(into, n))
                    .as("the first floats read")
                    .isEqualTo(values);
            assertThat(java.util.Arrays.copyOfRange(into, n, n + 9))
                    .as("the rest left as it was")
                    .containsOnly(-3f);

            org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                    .isThrownBy(() -> s.write(t, new float[n - 1]))
                    .withMessageContaining("shorter");
            org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                    .isThrownBy(() -> s.read(t, new float[n - 1]))
                    .withMessageContaining("shorter");
        }
    }

    /** Small images, and a wide one that the CPU backend rotates and zooms in several bands of rows. */
    @ParameterizedTest(name = "{0} rad, {1}×{2}")
    @org.junit.jupiter.params.provider.CsvSource({"0.1,31,22", "-0.7,31,22", "3.0,31,22", "0.3,4099,45"})
    void rotateMatchesReference(float radians, int w, int h) {
        onBoth(
                "MIXED",
                (s, out) -> {
                    try (Tensor im = s.allocate(new Shape(3, h, w))) {
                        s.write(im, TestModels.uniform(22, 3 * w * h, 0, 1));
                        s.rotate(im, radians);
                        out[0] = read(s, im);
                    }
                },
                1,
                (i, e, a) -> close(e, a, "rotate"));
    }

    @ParameterizedTest(name = "zoom {0}, {1}×{2}")
    @org.junit.jupiter.params.provider.CsvSource({"0.9,31,22", "1.1,31,22", "0.5,31,22", "0.83,4099,45", "1.7,4099,45"})
    void zoomMatchesReference(float zoom, int w, int h) {
        onBoth(
                "MIXED",
                (s, out) -> {
                    try (Tensor im = s.allocate(new Shape(3, h, w))) {
                        s.write(im, TestModels.uniform(23, 3 * w * h, 0, 1));
                        s.zoom(im, zoom);
                        out[0] = read(s, im);
                    }
                },
                1,
                (i, e, a) -> close(e, a, "zoom"));
    }

    @Test
    void reductionsGiveTheSameBitsColdAndAfterWarmUp() {
        // Interpreted and JIT-compiled code must agree (a lane reduction whose order changed once
        // compiled made a resumed job differ from an uninterrupted one): repeat until warm.
        int w = 97, h = 61;
        float[] image = TestModels.uniform(28, 3 * w * h, 0, 1);
        // Wide values make every partial sum round, so a changed summation order shows in μ and σ.
        float[] gradient = TestModels.uniform(29, 3 * w * h, -50f, 70f);
        try (DreamSession s = backend.open(TestModels.model(TestModels.MIXED, 4), sessionOptions());
                Tensor im = s.allocate(new Shape(3, h, w));
                Tensor grad = s.allocate(new Shape(3, h, w))) {
            LayerStack stack = s.stack(3, w, h);
            float[] activations =
                    TestModels.uniform(30, (int) stack.outputShape().size(), -1, 2);
            float[][] first = null;
            for (int run = 0; run < 1500; run++) {
                s.write(im, image);
                s.write(grad, gradient);
                s.ascend(im, grad, 0.04f, true);
                s.write(stack.output(), activations);
                s.thresholdGradient(stack, 1f);
                float[][] now = {read(s, im), read(s, stack.outputGradient())};
                if (first == null) {
                    first = now;
                } else {
                    assertThat(now[0]).as("ascend, run " + run).isEqualTo(first[0]);
                    assertThat(now[1]).as("threshold gradient, run " + run).isEqualTo(first[1]);
                }
            }
        }
    }

    @Test
    void reconstructStepsMatchReference() {
        int w = 16, h = 16;
        onBoth(
                "MIXED",
                (s, out) -> {
                    LayerStack stack = s.stack(2, w, h);
                    try (Tensor im = s.allocate(new Shape(3, h, w));
                            Tensor update = s.allocate(new Shape(3, h, w));
                            Tensor features = s.allocate(stack.outputShape())) {
                        s.write(im, TestModels.uniform(24, 3 * w * h, 0, 1));
                        s.write(
                                features,
                                TestModels.uniform(25, (int) stack.outputShape().size(), 0, 1));
                        for (int it = 0; it < 2; it++) {
                            s.copy(im, stack.input());
                            s.forward(stack);
                            s.reconstructionGradient(stack, features);
                            s.backward(stack);
                            s.momentumStep(im, update, stack, 0.04f, 0.9f);
                        }
                        out[0] = read(s, im);
                        out[1] = read(s, update);
                        out[2] = new float[] {(float) s.takeStats().lastGradientMagnitude()};
                    }
                },
                3,
                (i, e, a) ->
                        close(e, a, List.of("image", "momentum", "magnitude").get(i)));
    }

    @Test
    void wholeIterationMatchesReferenceAndIsDeterministic() {
        int w = 41, h = 35;
        float[] image = TestModels.uniform(26, 3 * w * h, 0, 1);
        Jitter jitter = new Jitter(-3, 5, true);
        float[][] twice = new float[2][];
        onBoth(
                "MIXED",
                (s, out) -> {
                    for (int run = 0; run < 2; run++) {
                        try (Tensor im = s.allocate(new Shape(3, h, w));
                                Tensor grad = s.allocate(new Shape(3, h, w))) {
                            s.write(im, image);
                            for (int it = 0; it < 3; it++) {
                                LayerStack stack = s.stack(3, (int) (w * 0.75f), (int) (h * 0.75f));
                                s.optimize(im, grad, stack, jitter, 1f, 0.04f, true);
                            }
                            out[run] = read(s, im);
                        }
                    }
                    if (s.backend() != oracle) {
                        twice[0] = out[0];
                        twice[1] = out[1];
                    }
                },
                2,
                (i, e, a) -> {
                    Compare c = Compare.of(e, a);
                    assertThat(c.meanAbs())
                            .as("three iterations vs reference: " + c)
                            .isLessThan(1e-4);
                    assertThat(c.maxAbs())
                            .as("three iterations vs reference: " + c)
                            .isLessThan(1e-2);
                });
        assertThat(twice[1]).as("identical inputs give bit-identical outputs").isEqualTo(twice[0]);
    }
}
