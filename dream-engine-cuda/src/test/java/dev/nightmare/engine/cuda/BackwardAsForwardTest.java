package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The host half of {@code cuda.backwardData=forward}: backward-data of a stride-1 convolution equals
 * the forward cross-correlation of the output gradient with {@link ConvolutionalWeights#transposeFlipped}
 * kernels and padding S−1−p (computed here in double, so the two sums agree to rounding).
 */
class BackwardAsForwardTest {
    @ParameterizedTest
    @CsvSource({"3,1,5,4,7,6", "1,0,3,2,5,5", "3,0,2,3,6,7", "5,2,2,2,6,6", "3,2,2,3,5,4"})
    void transposedKernelsTurnBackwardDataIntoAForwardConvolution(
            int size, int padding, int channels, int filters, int height, int width) {
        ConvolutionalSpec conv = new ConvolutionalSpec(filters, size, 1, padding, false, Activation.LINEAR);
        assertThat(LayerParameters.backwardAsForwardApplies(conv)).isTrue();
        SplittableRandom random = new SplittableRandom(size * 31L + padding);
        float[] w = randoms(random, filters * channels * size * size);
        int outH = height + 2 * padding - size + 1, outW = width + 2 * padding - size + 1;
        float[] dy = randoms(random, filters * outH * outW);

        double[] expected = new double[channels * height * width];
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < size; i++) {
                    for (int j = 0; j < size; j++) {
                        for (int oy = 0; oy < outH; oy++) {
                            for (int ox = 0; ox < outW; ox++) {
                                int y = oy - padding + i, x = ox - padding + j;
                                if (y >= 0 && y < height && x >= 0 && x < width) {
                                    expected[(c * height + y) * width + x] +=
                                            (double) w[((f * channels + c) * size + i) * size + j]
                                                    * dy[(f * outH + oy) * outW + ox];
                                }
                            }
                        }
                    }
                }
            }
        }

        float[] t = ConvolutionalWeights.transposeFlipped(w, filters, channels, size);
        int p = size - 1 - padding;
        double[] actual = new double[channels * height * width];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double sum = 0;
                    for (int f = 0; f < filters; f++) {
                        for (int i = 0; i < size; i++) {
                            for (int j = 0; j < size; j++) {
                                int sy = y - p + i, sx = x - p + j;
                                if (sy >= 0 && sy < outH && sx >= 0 && sx < outW) {
                                    sum += (double) t[((c * filters + f) * size + i) * size + j]
                                            * dy[(f * outH + sy) * outW + sx];
                                }
                            }
                        }
                    }
                    actual[(c * height + y) * width + x] = sum;
                }
            }
        }
        for (int k = 0; k < expected.length; k++) {
            assertThat(actual[k]).as("dx[%d]", k).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @ParameterizedTest
    @CsvSource({"3,2,1", "3,1,4", "1,1,1"})
    void stridedOrOverPaddedConvolutionsKeepCudnnBackwardData(int size, int stride, int padding) {
        ConvolutionalSpec conv = new ConvolutionalSpec(8, size, stride, padding, false, Activation.LEAKY);
        assertThat(LayerParameters.backwardAsForwardApplies(conv)).isFalse();
    }

    private static float[] randoms(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }
}
