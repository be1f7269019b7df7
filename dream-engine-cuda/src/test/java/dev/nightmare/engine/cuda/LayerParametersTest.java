package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The host-side packing of kernels for the {@code convolution_darknet} kernel (the kernel itself needs a GPU). */
class LayerParametersTest {
    @Test
    void packDarknetPutsEightFiltersOfOneTapSideBySideAndZeroPadsTheLastGroup() {
        int filters = 11, channels = 3, size = 3, taps = size * size;
        float[] kernels = new float[filters * channels * taps];
        for (int i = 0; i < kernels.length; i++) {
            kernels[i] = i + 1;
        }
        float[] packed = LayerParameters.packDarknet(kernels, filters, channels, size);

        int group = LayerParameters.DARKNET_GROUP;
        assertThat(packed).hasSize(2 * channels * taps * group);
        for (int f = 0; f < 2 * group; f++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < taps; t++) {
                    float expected = f < filters ? kernels[(f * channels + c) * taps + t] : 0f;
                    assertThat(packed[((f / group * channels + c) * taps + t) * group + f % group])
                            .as("filter %d channel %d tap %d", f, c, t)
                            .isEqualTo(expected);
                }
            }
        }
    }
}
