package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.Shape;

/**
 * darknet's {@code [convolutional]} layer at one working size, in plain Java on planar CHW heap
 * arrays (darknet {@code convolutional_layer.c} and {@code batchnorm_layer.c}): the convolution,
 * then bias or inference batch norm, then the activation; backward turns dL/da into dL/dz and
 * takes the convolution's gradient with respect to its input, never the weights'. Kernels are
 * {@code [filter][channel][ky][kx]}. Each output element is summed in one fixed order by one thread.
 */
final class ConvolutionalLayer extends ReferenceLayer {
    private final ConvolutionalSpec conv;
    private final ConvolutionalWeights weights;
    private final Shape in;
    private final BatchNormGradient batchNormGradient;
    private final Parallel parallel;
    /** (filters, h, w) the convolution before bias or batch norm, which backward reads. */
    private final float[] z;

    ConvolutionalLayer(
            ConvolutionalSpec conv,
            ConvolutionalWeights weights,
            Shape in,
            Shape out,
            BatchNormGradient batchNormGradient,
            Parallel parallel) {
        super(out);
        this.conv = conv;
        this.weights = weights;
        this.in = in;
        this.batchNormGradient = batchNormGradient;
        this.parallel = parallel;
        this.z = new float[output.data.length];
    }

    @Override
    void forward(float[] x) {
        convolve(x, in, weights.kernels(), conv, z, output.shape(), parallel);
        biasAndActivate(z, output.data, output.shape(), weights, conv.activation());
    }

    @Override
    void backward(float[] dx) {
        activationAndBatchNormBackward(
                delta, output.data, z, output.shape(), weights, conv.activation(), batchNormGradient);
        convolveBackwardData(delta, output.shape(), weights.kernels(), conv, dx, in, parallel);
    }

    /**
     * Convolution without bias: {@code z[f][oy][ox] = Σ_c Σ_ky Σ_kx w[f][c][ky][kx] ·
     * x[c][oy·s+ky−p][ox·s+kx−p]} (zero outside), summed in darknet's order c, ky, kx.
     */
    static void convolve(
            float[] x, Shape in, float[] kernels, ConvolutionalSpec conv, float[] z, Shape out, Parallel parallel) {
        int k = conv.size();
        int s = conv.stride();
        int p = conv.padding();
        int inC = in.channels(), inH = in.height(), inW = in.width();
        int outH = out.height(), outW = out.width();
        parallel.forEach(out.channels(), f -> {
            int zBase = f * outH * outW;
            java.util.Arrays.fill(z, zBase, zBase + outH * outW, 0f);
            for (int c = 0; c < inC; c++) {
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        float w = kernels[((f * inC + c) * k + ky) * k + kx];
                        // Output columns whose input column ox·s+kx−p lies inside [0, inW).
                        int oxFrom = Math.max(0, ceilDiv(p - kx, s));
                        int oxTo = Math.min(outW, ceilDiv(inW + p - kx, s));
                        for (int oy = 0; oy < outH; oy++) {
                            int iy = oy * s + ky - p;
                            if (iy < 0 || iy >= inH) {
                                continue;
                            }
                            int xRow = (c * inH + iy) * inW + kx - p;
                            int zRow = zBase + oy * outW;
                            if (s == 1) {
                                for (int ox = oxFrom; ox < oxTo; ox++) {
                                    z[zRow + ox] += w * x[xRow + ox];
                                }
                            } else {
                                for (int ox = oxFrom; ox < oxTo; ox++) {
                                    z[zRow + ox] += w * x[xRow + ox * s];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Gradient of {@link #convolve} with respect to its input: {@code dx[c][iy][ix] = Σ w[f][c][ky][kx]
     * · g[f][oy][ox]} over the (f, ky, kx) that read that input. Overwrites {@code dx}.
     */
    static void convolveBackwardData(
            float[] g, Shape out, float[] kernels, ConvolutionalSpec conv, float[] dx, Shape in, Parallel parallel) {
        int k = conv.size();
        int s = conv.stride();
        int p = conv.padding();
        int inC = in.channels(), inH = in.height(), inW = in.width();
        int outC = out.channels(), outH = out.height(), outW = out.width();
        parallel.forEach(inC, c -> {
            int dBase = c * inH * inW;
            java.util.Arrays.fill(dx, dBase, dBase + inH * inW, 0f);
            for (int f = 0; f < outC; f++) {
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        float w = kernels[((f * inC + c) * k + ky) * k + kx];
                        int oxFrom = Math.max(0, ceilDiv(p - kx, s));
                        int oxTo = Math.min(outW, ceilDiv(inW + p - kx, s));
                        for (int oy = 0; oy < outH; oy++) {
                            int iy = oy * s + ky - p;
                            if (iy < 0 || iy >= inH) {
                                continue;
                            }
                            int dRow = dBase + iy * inW + kx - p;
                            int gRow = (f * outH + oy) * outW;
                            if (s == 1) {
                                for (int ox = oxFrom; ox < oxTo; ox++) {
                                    dx[dRow + ox] += w * g[gRow + ox];
                                }
                            } else {
                                for (int ox = oxFrom; ox < oxTo; ox++) {
                                    dx[dRow + ox * s] += w * g[gRow + ox];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
    /**
     * Bias or inference batch norm, then the activation, in place: {@code a = act(y)} with {@code y
     * = (z − m)/(√v + 1e-6)·s + b} (darknet {@code normalize_cpu}, {@code scale_bias}, {@code
     * add_bias}) or {@code y = z + b}.
     */
    static void biasAndActivate(float[] z, float[] a, Shape out, ConvolutionalWeights w, Activation activation) {
        int plane = out.height() * out.width();
        for (int f = 0; f < out.channels(); f++) {
            int base = f * plane;
            if (w.batchNormalized()) {
                float mean = w.rollingMean()[f];
                // darknet: (x − mean)/(sqrt(variance) + .000001f), evaluated in double.
                double denominator = Math.sqrt(w.rollingVariance()[f]) + 0.000001f;
                float scale = w.scales()[f];
                float bias = w.biases()[f];
                for (int i = base; i < base + plane; i++) {
                    float y = (float) ((z[i] - mean) / denominator);
                    y *= scale;
                    y += bias;
                    a[i] = activation.apply(y);
                }
            } else {
                float bias = w.biases()[f];
                for (int i = base; i < base + plane; i++) {
                    a[i] = activation.apply(z[i] + bias);
                }
            }
        }
    }

    /**
     * Turns dL/da into dL/dz in place: multiply by the activation derivative (from the output a),
     * then back through batch norm per {@code mode}.
     */
    static void activationAndBatchNormBackward(
            float[] delta,
            float[] a,
            float[] z,
            Shape out,
            ConvolutionalWeights w,
            Activation activation,
            BatchNormGradient mode) {
        int n = out.height() * out.width();
        for (int f = 0; f < out.channels(); f++) {
            int base = f * n;
            for (int i = base; i < base + n; i++) {
                delta[i] *= activation.derivativeFromOutput(a[i]);
            }
            if (!w.batchNormalized()) {
                continue;
            }
            float scale = w.scales()[f];
            float mean = w.rollingMean()[f];
            float variance = w.rollingVariance()[f];
            if (mode == BatchNormGradient.EXACT) {
                float factor = (float) (scale / (Math.sqrt(variance) + 0.000001f));
                for (int i = base; i < base + n; i++) {
                    delta[i] *= factor;
                }
                continue;
            }
            // darknet backward_batchnorm_layer with the rolling statistics (net.train = 0).
            double sumDelta = 0;
            double sumDeltaCentered = 0;
            for (int i = base; i < base + n; i++) {
                delta[i] *= scale;
                sumDelta += delta[i];
                sumDeltaCentered += delta[i] * (z[i] - mean);
            }
            float meanDelta = (float) (sumDelta * (-1. / Math.sqrt(variance + .00001f)));
            float varianceDelta = (float) (sumDeltaCentered * -.5 * Math.pow(variance + .00001f, (float) (-3. / 2.)));
            double invStd = 1. / Math.sqrt(variance + .00001f);
            for (int i = base; i < base + n; i++) {
                delta[i] = (float) (delta[i] * invStd + varianceDelta * 2. * (z[i] - mean) / n + meanDelta / n);
            }
        }
    }
}
