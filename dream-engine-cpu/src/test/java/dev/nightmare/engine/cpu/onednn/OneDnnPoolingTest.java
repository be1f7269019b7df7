package dev.nightmare.engine.cpu.onednn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.cpu.Convolutions;
import dev.nightmare.engine.cpu.CpuTensor;
import dev.nightmare.engine.cpu.KernelChoice;
import dev.nightmare.engine.cpu.LayerKernels;
import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.cpu.Workers;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.testing.TestModels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * oneDNN's max pooling gives the Java kernels' bits, forward and backward with the activation
 * derivative of the convolution below: on inputs drawn from five values, so that windows tie often
 * (the first maximum must win, as in darknet), with negative winners (leaky's slope applies), odd
 * sizes (windows reaching past the input) and channel counts that leave padding lanes.
 */
class OneDnnPoolingTest {
    @ParameterizedTest(name = "{0}x{1}x{2}, pool {3}/{4} pad {5}, below {6}")
    @CsvSource({
        "16, 12, 10, 2, 2, 1, LEAKY",
        "20, 13, 9, 2, 2, 1, LEAKY",
        "20, 13, 9, 2, 2, 1, RELU",
        "32, 7, 11, 2, 2, 1, LINEAR",
        "16, 11, 11, 3, 3, 2, LEAKY",
        "16, 9, 8, 2, 2, 0, LEAKY",
        "16, 9, 8, 2, 2, 1, NONE",
    })
    void matchesTheJavaKernelsBitForBit(
            int channels, int height, int width, int size, int stride, int padding, String below) {
        MaxpoolSpec pool = new MaxpoolSpec(size, stride, padding);
        Shape in = new Shape(channels, height, width);
        Shape out = pool.outputShape(in);
        Activation activation = below.equals("NONE") ? null : Activation.valueOf(below);
        Random random = new Random(channels * 31L + height * 7L + width + size);
        OneDnnRuntime runtime = new OneDnnRuntime(2);
        try (Workers workers = new Workers(2);
                OneDnnConvolutions convolutions =
                        new OneDnnConvolutions(runtime, TestModels.model(TestModels.MIXED, 7), false);
                CpuTensor x = filled(in, random, workers, true);
                CpuTensor dy = filled(out, random, workers, false);
                CpuTensor javaY = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor javaArgmax = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor javaDx = CpuTensor.allocate(in, Layout.BLOCKED);
                CpuTensor onednnY = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor workspace = CpuTensor.allocate(out, Layout.BLOCKED);
                CpuTensor onednnDx = CpuTensor.allocate(in, Layout.BLOCKED);
                Convolutions.Pooling pooling = convolutions.maxpool(pool, in, out, activation, workspace)) {
            assertThat(pooling).as("oneDNN pools windows that do not overlap").isNotNull();
            LayerKernels kernels = new LayerKernels(workers, new KernelChoice(KernelChoice.Mode.SCALAR));
            kernels.maxpool(x, javaY, javaArgmax, pool);
            pooling.forward(x, onednnY);
            assertThat(floats(onednnY)).as("forward").isEqualTo(floats(javaY));

            CpuTensor belowOutput = activation == null ? null : x;
            kernels.maxpoolBackward(
                    dy, javaArgmax, javaDx, pool, belowOutput, activation == null ? Activation.LINEAR : activation);
            onednnDx.data().fill((byte) 0x7f); // every cell must be written
            pooling.backward(dy, onednnDx, belowOutput);
            assertThat(floats(onednnDx)).as("backward").isEqualTo(floats(javaDx));
            assertThat(Arrays.stream(floats(onednnDx)).filter(b -> b != 0).count())
                    .as("some gradient routed")
                    .isPositive();
        }
    }

    /** A blocked tensor of values from {-1, -0.5, 0, 0.5, 1} (ties), or of any floats; padding lanes stay 0. */
    private static CpuTensor filled(Shape shape, Random random, Workers workers, boolean ties) {
        float[] planar = new float[(int) shape.size()];
        for (int i = 0; i < planar.length; i++) {
            planar[i] = ties ? (random.nextInt(5) - 2) / 2f : (float) random.nextGaussian();
        }
        CpuTensor blocked = CpuTensor.allocate(shape, Layout.BLOCKED);
        new LayerKernels(workers).convert(CpuTensor.view(shape, Layout.PLANAR, MemorySegment.ofArray(planar)), blocked);
        return blocked;
    }

    /** The tensor's bits, padding lanes included. */
    private static int[] floats(CpuTensor t) {
        float[] f = t.data().toArray(ValueLayout.JAVA_FLOAT);
        int[] bits = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            bits[i] = Float.floatToRawIntBits(f[i]);
        }
        return bits;
    }
}
