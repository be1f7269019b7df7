package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SoftmaxSpec;

/**
 * darknet's {@code [softmax]} layer ({@code softmax_layer.c}), in plain Java on planar arrays:
 * forward a softmax over each group of inputs; backward passes the gradient through unchanged, as
 * darknet does (its training pairs softmax with cross-entropy, whose gradient with respect to the
 * softmax's input is what the layer's delta already holds).
 */
final class SoftmaxLayer extends ReferenceLayer {
    private final SoftmaxSpec softmax;

    SoftmaxLayer(SoftmaxSpec softmax, Shape out) {
        super(out);
        this.softmax = softmax;
    }

    @Override
    void forward(float[] x) {
        softmax(x, softmax.groups(), softmax.temperature(), output.data);
    }

    @Override
    void backward(float[] dx) {
        System.arraycopy(delta, 0, dx, 0, delta.length);
    }

    /**
     * darknet {@code softmax_cpu}: for each of {@code groups} contiguous runs of n = length/groups
     * inputs, {@code largest} = their maximum (from −FLT_MAX), {@code e_i = exp(x_i/t − largest/t)}
     * (the quotients and their difference in float, exp in double, stored as float), their float sum
     * in order, then {@code y_i = e_i / sum}.
     */
    static void softmax(float[] x, int groups, float temperature, float[] y) {
        int n = x.length / groups;
        for (int g = 0; g < groups; g++) {
            int from = g * n;
            float largest = -Float.MAX_VALUE;
            for (int i = from; i < from + n; i++) {
                if (x[i] > largest) {
                    largest = x[i];
                }
            }
            float sum = 0;
            for (int i = from; i < from + n; i++) {
                float e = (float) Math.exp(x[i] / temperature - largest / temperature);
                sum += e;
                y[i] = e;
            }
            for (int i = from; i < from + n; i++) {
                y[i] /= sum;
            }
        }
    }
}
