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
}
