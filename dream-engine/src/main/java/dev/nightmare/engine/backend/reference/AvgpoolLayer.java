package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.model.Shape;

/**
 * darknet's {@code [avgpool]} layer at one working size ({@code avgpool_layer.c}), in plain Java on
 * planar CHW heap arrays: each channel's mean over its positions, and back, that channel's gradient
 * spread evenly over them.
 */
final class AvgpoolLayer extends ReferenceLayer {
    private final Shape in;

    AvgpoolLayer(Shape in, Shape out) {
        super(out);
        this.in = in;
    }

    @Override
    void forward(float[] x) {
        avgpool(x, in, output.data);
    }

    @Override
    void backward(float[] dx) {
        avgpoolBackward(delta, in, dx);
    }

    /**
     * darknet {@code forward_avgpool_layer}: {@code y[c] = (Σ_i x[c][i]) / (h·w)}, the float sum
     * taken from 0 in position order, then one float division.
     */
    static void avgpool(float[] x, Shape in, float[] y) {
        int plane = in.height() * in.width();
        for (int c = 0; c < in.channels(); c++) {
            float sum = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                sum += x[i];
            }
            y[c] = sum / plane;
        }
    }

    /** darknet {@code backward_avgpool_layer}: {@code dx[c][i] = g[c] / (h·w)}. Overwrites dx. */
    static void avgpoolBackward(float[] g, Shape in, float[] dx) {
        int plane = in.height() * in.width();
        for (int c = 0; c < in.channels(); c++) {
            java.util.Arrays.fill(dx, c * plane, (c + 1) * plane, g[c] / plane);
        }
    }
}
