package dev.nightmare.engine.model;

/**
 * The parameters of one convolutional layer, in darknet's weights-file order. {@code scales},
 * {@code rollingMean} and {@code rollingVariance} are null without batch normalisation.
 *
 * @param biases (filters)
 * @param scales (filters) or null
 * @param rollingMean (filters) or null
 * @param rollingVariance (filters) or null
 * @param kernels (filters, channels, size, size)
 */
public record ConvolutionalWeights(
        float[] biases, float[] scales, float[] rollingMean, float[] rollingVariance, float[] kernels) {
    public boolean batchNormalized() {
        return scales != null;
    }

    /**
     * Kernels {@code [f][c][ky][kx]} as {@code [c][f][S−1−ky][S−1−kx]}: with them, backward-data of
     * a stride-1 convolution with padding p is the forward convolution of the output gradient with
     * padding S−1−p (what the fast backends run, since forward kernels are the faster ones).
     */
    public static float[] transposeFlipped(float[] kernels, int filters, int channels, int size) {
        int taps = size * size;
        float[] transposed = new float[kernels.length];
        for (int f = 0; f < filters; f++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < taps; t++) {
                    transposed[(c * filters + f) * taps + taps - 1 - t] = kernels[(f * channels + c) * taps + t];
                }
            }
        }
        return transposed;
    }
}
