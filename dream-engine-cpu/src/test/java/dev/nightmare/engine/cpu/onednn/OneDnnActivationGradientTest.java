package dev.nightmare.engine.cpu.onednn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.KernelChoice;
import dev.nightmare.engine.cpu.LayerKernels;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * oneDNN's activation derivative gives the Java kernels' bits, out of place and in place, on
 * outputs with zeros and negatives (ReLU's and leaky's branches) and channel counts that leave
 * padding lanes.
 */
class OneDnnActivationGradientTest {
    @ParameterizedTest(name = "{0} over {1}x{2}x{3}")
    @CsvSource({"LEAKY, 16, 9, 7", "LEAKY, 20, 5, 13", "RELU, 12, 8, 8", "RELU, 32, 3, 17"})
    void matchesTheJavaKernelsBitForBit(Activation activation, int channels, int height, int width) {
        Shape shape = new Shape(channels, height, width);
        Random random = new Random(channels * 1000L + height * 10L + width);
        OneDnnRuntime runtime = new OneDnnRuntime(2);
        try (Workers workers = new Workers(2);
                OneDnnConvolutions convolutions =
                        new OneDnnConvolutions(runtime, TestModels.model(TestModels.MIXED, 7), false);
                CpuTensor output = filled(shape, random, workers, true);
                CpuTensor delta = filled(shape, random, workers, false);
                CpuTensor inPlace = filled(shape, new Random(1), workers, false);
                CpuTensor javaG = CpuTensor.allocate(shape, Layout.BLOCKED);
                CpuTensor onednnG = CpuTensor.allocate(shape, Layout.BLOCKED);
                Convolutions.ActivationGradient gradient = convolutions.activationBackward(shape, activation)) {
            LayerKernels kernels = new LayerKernels(workers, new KernelChoice(KernelChoice.Mode.SCALAR));
            kernels.activationBackward(delta, output, javaG, activation);
            onednnG.data().fill((byte) 0x7f); // every cell must be written
            gradient.backward(delta, output, onednnG);
            assertThat(bits(onednnG)).as("out of place").isEqualTo(bits(javaG));

            inPlace.data().copyFrom(delta.data());
            gradient.backward(inPlace, output, inPlace);
            assertThat(bits(inPlace)).as("in place").isEqualTo(bits(javaG));
            assertThat(bits(javaG)).as("the derivative changed something").isNotEqualTo(bits(delta));
            assertThat(convolutions.activationBackward(shape, Activation.LINEAR))
                    .as("linear: nothing to apply")
                    .isNull();
        }
    }

    /** Blocked: outputs from {-1, -0.5, 0, 0.5, 1} (zeros and negatives), or Gaussian gradients. */
    private static CpuTensor filled(Shape shape, Random random, Workers workers, boolean output) {
        float[] planar = new float[(int) shape.size()];
        for (int i = 0; i < planar.length; i++) {
            planar[i] = output ? (random.nextInt(5) - 2) / 2f : (float) random.nextGaussian();
        }
        CpuTensor blocked = CpuTensor.allocate(shape, Layout.BLOCKED);
        new LayerKernels(workers).convert(CpuTensor.view(shape, Layout.PLANAR, MemorySegment.ofArray(planar)), blocked);
        return blocked;
    }

    private static int[] bits(CpuTensor t) {
        float[] f = t.data().toArray(ValueLayout.JAVA_FLOAT);
        int[] bits = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            bits[i] = Float.floatToRawIntBits(f[i]);
        }
        return bits;
    }
}
