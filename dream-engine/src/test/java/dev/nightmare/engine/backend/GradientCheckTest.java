package dev.nightmare.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.reference.ReferenceBackend;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.testing.TestModels;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference checks of backward-to-input on single layers: with L = Σ g·f(x), the
 * reference backward must give dL/dx. Batch norm is checked with the exact gradient (darknet's
 * formula is deliberately not the gradient; it is checked against its own definition below), and
 * so is softmax: darknet's backward passes its gradient through, which no finite difference of
 * the softmax reproduces.
 */
class GradientCheckTest {
    private static final double STEP = 1e-3;

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of("conv 3×3 relu", conv(3, 1, "pad=1", false, "relu"), 9, 7),
                Arguments.of("conv 3×3 leaky, batch norm", conv(3, 1, "pad=1", true, "leaky"), 8, 8),
                Arguments.of("conv 3×3 linear, odd size", conv(3, 1, "pad=1", false, "linear"), 7, 5),
                Arguments.of("conv 1×1 leaky", conv(1, 1, "pad=1", false, "leaky"), 6, 5),
                Arguments.of("conv 1×1 linear, batch norm", conv(1, 1, "pad=0", true, "linear"), 5, 6),
                Arguments.of("conv 3×3 stride 2, no padding", conv(3, 2, "pad=0", false, "leaky"), 9, 8),
                Arguments.of("conv 3×3 stride 2 padding 1, batch norm", conv(3, 2, "pad=1", true, "relu"), 10, 7),
                Arguments.of("conv 5×5 padding 1", conv(5, 1, "padding=1", false, "linear"), 8, 9),
                Arguments.of("maxpool 2/2 even", pool(2, 2), 8, 6),
                Arguments.of("maxpool 2/2 odd", pool(2, 2), 7, 5),
                Arguments.of("maxpool 3/2 odd", pool(3, 2), 9, 7),
                Arguments.of("maxpool 3/1", pool(3, 1), 6, 5),
                Arguments.of("avgpool", "[net]\nchannels=3\n[avgpool]\n", 7, 5),
                Arguments.of("avgpool 1×1", "[net]\nchannels=3\n[avgpool]\n", 1, 1));
    }

    private static String conv(int size, int stride, String padding, boolean bn, String activation) {
        return "[net]\nchannels=3\n[convolutional]\nfilters=4\nsize=" + size + "\nstride=" + stride + "\n" + padding
                + "\nbatch_normalize=" + (bn ? 1 : 0) + "\nactivation=" + activation + "\n";
    }

    private static String pool(int size, int stride) {
        return "[net]\nchannels=3\n[maxpool]\nsize=" + size + "\nstride=" + stride + "\n";
    }

    @ParameterizedTest(name = "{0} at {2}×{3}")
    @MethodSource("layers")
    void backwardMatchesFiniteDifferences(String name, String cfg, int w, int h) {
        Model model = TestModels.model(cfg, 5);
        float[] x = TestModels.uniform(31, 3 * w * h, -1, 1);
        try (Backend backend = new ReferenceBackend(1);
                DreamSession s = backend.open(model, new SessionOptions(BatchNormGradient.EXACT))) {
            LayerStack stack = s.stack(0, w, h);
            float[] g = TestModels.uniform(32, (int) stack.outputShape().size(), -1, 1);
            s.write(stack.input(), x);
            s.forward(stack);
            s.write(stack.outputGradient(), g);
            s.backward(stack);
            float[] analytic = new float[x.length];
            s.read(stack.inputGradient(), analytic);
            int kinks = 0;
            for (int i = 0; i < x.length; i++) {
                double numeric = (loss(s, stack, x, i, STEP, g) - loss(s, stack, x, i, -STEP, g)) / (2 * STEP);
                double finer = (loss(s, stack, x, i, STEP / 4, g) - loss(s, stack, x, i, -STEP / 4, g)) / (STEP / 2);
                if (Math.abs(numeric - finer) > 2e-3 + 1e-2 * Math.abs(finer)) {
                    // The step crossed a kink (ReLU/leaky at 0, a maxpool argmax change): no derivative there.
                    kinks++;
                    continue;
                }
                assertThat(analytic[i])
                        .as("%s: dL/dx[%d] numeric %.6f analytic %.6f", name, i, numeric, analytic[i])
                        .isCloseTo((float) numeric, org.assertj.core.data.Offset.offset((float)
                                (2e-3 + 1e-2 * Math.abs(numeric))));
            }
            assertThat(kinks).as("inputs skipped at kinks").isLessThanOrEqualTo(x.length / 8);
        }
    }

    private static double loss(DreamSession s, LayerStack stack, float[] x, int i, double step, float[] g) {
        float[] shifted = x.clone();
        shifted[i] = (float) (x[i] + step);
        s.write(stack.input(), shifted);
        s.forward(stack);
        float[] out = new float[g.length];
        s.read(stack.output(), out);
        double sum = 0;
        for (int j = 0; j < g.length; j++) {
            sum += (double) g[j] * out[j];
        }
        return sum;
    }

    @Test
    void darknetBatchNormBackwardFollowsItsFormula() {
        // A 1×1 identity-kernel conv isolates the batch-norm step: dx = dz.
        String cfg =
                "[net]\nchannels=3\n[convolutional]\nfilters=3\nsize=1\nstride=1\npad=0\nbatch_normalize=1\nactivation=linear\n";
        Model random = TestModels.model(cfg, 9);
        ConvolutionalWeights w = random.convolutional(0);
        float[] identity = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        ConvolutionalWeights bn =
                new ConvolutionalWeights(w.biases(), w.scales(), w.rollingMean(), w.rollingVariance(), identity);
        Model model = new Model("bn", random.spec(), java.util.Arrays.asList(bn), "bn");
        int width = 5, height = 4, n = width * height;
        float[] x = TestModels.uniform(41, 3 * n, -1, 1);
        float[] g = TestModels.uniform(42, 3 * n, -1, 1);
        float[] dx = new float[3 * n];
        try (Backend backend = new ReferenceBackend(1);
                DreamSession s = backend.open(model, SessionOptions.DEFAULT)) {
            LayerStack stack = s.stack(0, width, height);
            s.write(stack.input(), x);
            s.forward(stack);
            s.write(stack.outputGradient(), g);
            s.backward(stack);
            s.read(stack.inputGradient(), dx);
        }
        assertThat(((ConvolutionalSpec) model.spec().layer(0)).batchNormalize()).isTrue();
        for (int f = 0; f < 3; f++) {
            double v = bn.rollingVariance()[f] + 1e-5, m = bn.rollingMean()[f], sc = bn.scales()[f];
            double sumG = 0, sumGz = 0;
            for (int i = 0; i < n; i++) {
                sumG += g[f * n + i] * sc;
                sumGz += g[f * n + i] * sc * (x[f * n + i] - m);
            }
            double meanDelta = -sumG / Math.sqrt(v);
            double varianceDelta = sumGz * -0.5 * Math.pow(v, -1.5);
            for (int i = 0; i < n; i++) {
                double z = x[f * n + i];
                double expected = g[f * n + i] * sc / Math.sqrt(v) + varianceDelta * 2 * (z - m) / n + meanDelta / n;
                assertThat((double) dx[f * n + i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void softmaxIsDarknetsForwardWithItsPassThroughBackward() {
        // [avgpool] first: darknet targets a [softmax] only above one. 2 groups at temperature 0.7.
        Model model = TestModels.model(
                "[net]\nchannels=3\n[convolutional]\nfilters=6\nsize=3\nstride=1\npad=1"
                        + "\nactivation=leaky\n[avgpool]\n[softmax]\ngroups=2\ntemperature=0.7\n",
                11);
        int w = 6, h = 5;
        float[] x = TestModels.uniform(51, 3 * w * h, 0, 1);
        float[] g = TestModels.uniform(52, 6, -1, 1);
        float[] pooled = new float[6], probabilities = new float[6], throughSoftmax = new float[3 * w * h];
        float[] throughAvgpool = new float[3 * w * h];
        try (Backend backend = new ReferenceBackend(1);
                DreamSession s = backend.open(model, SessionOptions.DEFAULT)) {
            LayerStack softmax = s.stack(2, w, h);
            s.write(softmax.input(), x);
            s.forward(softmax);
            s.read(softmax.output(), probabilities);
            s.write(softmax.outputGradient(), g);
            s.backward(softmax);
            s.read(softmax.inputGradient(), throughSoftmax);

            LayerStack avgpool = s.stack(1, w, h);
            s.write(avgpool.input(), x);
            s.forward(avgpool);
            s.read(avgpool.output(), pooled);
            s.write(avgpool.outputGradient(), g);
            s.backward(avgpool);
            s.read(avgpool.inputGradient(), throughAvgpool);
        }
        for (int group = 0; group < 2; group++) {
            double largest = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 3 * group; i < 3 * group + 3; i++) {
                largest = Math.max(largest, pooled[i]);
            }
            for (int i = 3 * group; i < 3 * group + 3; i++) {
                sum += Math.exp((pooled[i] - largest) / 0.7);
            }
            for (int i = 3 * group; i < 3 * group + 3; i++) {
                assertThat((double) probabilities[i])
                        .as("softmax of group %d, input %d", group, i)
                        .isCloseTo(
                                Math.exp((pooled[i] - largest) / 0.7) / sum, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        assertThat(throughSoftmax)
                .as("darknet backward_softmax_layer: net.delta += l.delta, so the softmax passes g through")
                .isEqualTo(throughAvgpool);
    }
}
