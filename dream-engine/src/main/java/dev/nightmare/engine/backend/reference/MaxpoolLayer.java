package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;

/**
 * darknet's {@code [maxpool]} layer at one working size ({@code maxpool_layer.c}), in plain Java on
 * planar CHW heap arrays: forward keeps each window's winning input index, backward routes each
 * output gradient to it.
 */
final class MaxpoolLayer extends ReferenceLayer {
    private final MaxpoolSpec pool;
    private final Shape in;
    /** (channels, h, w) the input index each output came from. */
    private final int[] argmax;

    MaxpoolLayer(MaxpoolSpec pool, Shape in, Shape out) {
        super(out);
        this.pool = pool;
        this.in = in;
        this.argmax = new int[output.data.length];
    }

    @Override
    void forward(float[] x) {
        maxpool(x, in, pool, output.data, argmax, output.shape());
    }

    @Override
    void backward(float[] dx) {
        maxpoolBackward(delta, argmax, dx);
    }

    /**
     * darknet {@code forward_maxpool_layer}: windows from {@code offset + o·stride}, cells outside
     * are −∞, the first strict maximum scanning ky then kx wins; its input index goes to {@code
     * argmax}.
     */
    static void maxpool(float[] x, Shape in, MaxpoolSpec pool, float[] y, int[] argmax, Shape out) {
        int off = pool.offset();
        int inH = in.height(), inW = in.width();
        int outH = out.height(), outW = out.width();
        for (int c = 0; c < out.channels(); c++) {
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    float max = Float.NEGATIVE_INFINITY;
                    int best = -1;
                    for (int n = 0; n < pool.size(); n++) {
                        int iy = off + oy * pool.stride() + n;
                        for (int m = 0; m < pool.size(); m++) {
                            int ix = off + ox * pool.stride() + m;
                            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
                                int index = (c * inH + iy) * inW + ix;
                                if (x[index] > max || best < 0) {
                                    max = x[index];
                                    best = index;
                                }
                            }
                        }
                    }
                    int o = (c * outH + oy) * outW + ox;
                    y[o] = max;
                    argmax[o] = best;
                }
            }
        }
    }

    /** darknet {@code backward_maxpool_layer}: each output gradient added at its argmax. Overwrites dx. */
    static void maxpoolBackward(float[] g, int[] argmax, float[] dx) {
        java.util.Arrays.fill(dx, 0f);
        for (int o = 0; o < g.length; o++) {
            dx[argmax[o]] += g[o];
        }
    }
}
