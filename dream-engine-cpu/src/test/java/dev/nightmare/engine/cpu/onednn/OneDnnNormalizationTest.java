package dev.nightmare.engine.cpu.onednn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.KernelChoice;
import dev.nightmare.engine.cpu.LayerKernels;
import dev.nightmare.engine.cpu.LayerKernels.ChannelParameters;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * oneDNN's batch norm (the fast arithmetic) computes the Java kernels' functions: darknet's
 * inference normalisation and activation forward, darknet's training-mode gradient backward, to
 * float rounding, on the batch-normalised layers of a test model (leaky and linear, channel counts
 * that leave padding lanes, which must stay zero).
 */
class OneDnnNormalizationTest {
    @ParameterizedTest(name = "layer {0} at {1}x{2}")
    @CsvSource({"2, 13, 9", "2, 8, 8", "3, 5, 17"})
    void matchesTheJavaKernelsToFloatRounding(int layer, int height, int width) {
        Model model = TestModels.model(TestModels.MIXED, 3);
        ConvolutionalSpec conv = (ConvolutionalSpec) model.spec().layer(layer);
        Shape shape = new Shape(conv.filters(), height, width);
        ChannelParameters p = ChannelParameters.of(model.convolutional(layer), conv.filters());
        Activation act = conv.activation();
        Random random = new Random(layer * 100L + height * 10L + width);
        OneDnnRuntime runtime = new OneDnnRuntime(2);
        try (Workers workers = new Workers(2);
                OneDnnConvolutions convolutions = new OneDnnConvolutions(runtime, model, false);
                CpuTensor z = filled(shape, random, workers);
                CpuTensor javaA = CpuTensor.allocate(shape, Layout.BLOCKED);
                CpuTensor onednnA = CpuTensor.allocate(shape, Layout.BLOCKED);
                CpuTensor javaG = filled(shape, random, workers);
                CpuTensor onednnG = copy(javaG);
                Convolutions.Normalization darknet = convolutions.batchNorm(shape, p, act, true);
                Convolutions.Normalization forwardOnly = convolutions.batchNorm(shape, p, act, false)) {
            LayerKernels kernels = new LayerKernels(workers, new KernelChoice(KernelChoice.Mode.SCALAR));
            kernels.normalizeAndActivate(z, javaA, p, act);
            onednnA.data().fill((byte) 0x7f); // every cell, padding lanes included, must be written
            darknet.forward(z, onednnA);
            assertClose(onednnA, javaA, 2e-6f, "forward");

            kernels.batchNormBackward(javaG, z, p, BatchNormGradient.DARKNET);
            assertThat(darknet.backward(onednnG, z)).isTrue();
            assertClose(onednnG, javaG, 2e-5f, "darknet's batch-norm gradient");
            assertThat(forwardOnly.backward(onednnG, z))
                    .as("prepared without darknet's gradient: the Java kernels run the session's")
                    .isFalse();
        }
    }

    /** Every float of {@code actual} within {@code relative} of the largest magnitude of {@code expected}; padding lanes equal. */
    private static void assertClose(CpuTensor actual, CpuTensor expected, float relative, String what) {
        float[] a = actual.data().toArray(ValueLayout.JAVA_FLOAT);
        float[] e = expected.data().toArray(ValueLayout.JAVA_FLOAT);
        float scale = 0;
        for (float v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertThat(scale).as(what + ": something to compare").isPositive();
        float worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - e[i]));
        }
        assertThat(worst)
                .as(what + ": largest difference against a largest value of " + scale)
                .isLessThanOrEqualTo(relative * scale);
        Shape s = expected.shape();
        int plane = s.height() * s.width();
        for (int i = 0; i < a.length; i++) {
            int channel = i / (plane * Layout.BLOCK) * Layout.BLOCK + i % Layout.BLOCK;
            if (channel >= s.channels()) {
                assertThat(a[i])
                        .as(what + ": padding lane of channel " + channel)
                        .isZero();
            }
        }
    }

    private static CpuTensor filled(Shape shape, Random random, Workers workers) {
        float[] planar = new float[(int) shape.size()];
        for (int i = 0; i < planar.length; i++) {
            planar[i] = (float) random.nextGaussian();
        }
        CpuTensor blocked = CpuTensor.allocate(shape, Layout.BLOCKED);
        new LayerKernels(workers).convert(CpuTensor.view(shape, Layout.PLANAR, MemorySegment.ofArray(planar)), blocked);
        return blocked;
    }

    private static CpuTensor copy(CpuTensor t) {
        CpuTensor c = CpuTensor.allocate(t.shape(), t.layout());
        c.data().copyFrom(t.data());
        return c;
    }
}
