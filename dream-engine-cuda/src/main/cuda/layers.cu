// Layer kernels cuDNN does not provide: bias / inference batch norm with the activation fused,
// the activation derivatives, darknet's batch-norm backward, and darknet's maxpool.
// Layout: planar CHW (NCHW with N = 1) everywhere.
#include "common.cuh"

// Filters per thread of convolution_darknet; must match LayerParameters.DARKNET_GROUP.
#define DARKNET_GROUP 8

// ForwardArithmetic.DARKNET's convolution, bit-identical to ReferenceLayers.convolve: each output
// z[f][oy][ox] is summed from 0 over (c, ky, kx) in that order, taps outside the input skipped,
// with a rounded product and a rounded sum (__fmul_rn/__fadd_rn: never contracted into an FMA),
// as darknet's im2col + gemm computes it. One thread per output pixel and group of DARKNET_GROUP
// filters (its accumulators stay in registers); threads of a warp share the group and take
// neighbouring pixels, so the input reads coalesce and the weight reads broadcast. w is packed
// [group][c][ky][kx][DARKNET_GROUP] (filters past the last zero); z is planar, filters × outH × outW.
extern "C" __global__ void convolution_darknet(
        const float* x,
        const float* w,
        float* z,
        int channels,
        int inH,
        int inW,
        int filters,
        int outH,
        int outW,
        int size,
        int stride,
        int pad) {
    index_t plane = (index_t)outH * outW;
    int groups = (filters + DARKNET_GROUP - 1) / DARKNET_GROUP;
    GRID_STRIDE(i, groups * plane) {
        int ox = (int)(i % outW);
        int oy = (int)((i / outW) % outH);
        int g = (int)(i / plane);
        float acc[DARKNET_GROUP];
#pragma unroll
        for (int j = 0; j < DARKNET_GROUP; j++) acc[j] = 0.f;
        for (int c = 0; c < channels; c++) {
            const float* xc = x + (index_t)c * inH * inW;
            const float* wc = w + (((index_t)g * channels + c) * size * size) * DARKNET_GROUP;
            for (int ky = 0; ky < size; ky++) {
                int iy = oy * stride + ky - pad;
                if (iy < 0 || iy >= inH) continue;
                for (int kx = 0; kx < size; kx++) {
                    int ix = ox * stride + kx - pad;
                    if (ix < 0 || ix >= inW) continue;
                    float v = xc[(index_t)iy * inW + ix];
                    const float4* wt = (const float4*)(wc + (ky * size + kx) * DARKNET_GROUP);
                    float4 w0 = wt[0];
                    float4 w1 = wt[1];
                    acc[0] = __fadd_rn(acc[0], __fmul_rn(w0.x, v));
                    acc[1] = __fadd_rn(acc[1], __fmul_rn(w0.y, v));
                    acc[2] = __fadd_rn(acc[2], __fmul_rn(w0.z, v));
                    acc[3] = __fadd_rn(acc[3], __fmul_rn(w0.w, v));
                    acc[4] = __fadd_rn(acc[4], __fmul_rn(w1.x, v));
                    acc[5] = __fadd_rn(acc[5], __fmul_rn(w1.y, v));
                    acc[6] = __fadd_rn(acc[6], __fmul_rn(w1.z, v));
                    acc[7] = __fadd_rn(acc[7], __fmul_rn(w1.w, v));
                }
            }
        }
        index_t pixel = (index_t)oy * outW + ox;
#pragma unroll
        for (int j = 0; j < DARKNET_GROUP; j++) {
            int f = g * DARKNET_GROUP + j;
            if (f < filters) z[(index_t)f * plane + pixel] = acc[j];
        }
    }
}

// a = act(z + bias[c])  (darknet add_bias, then activate_array).
extern "C" __global__ void bias_activate(
        const float* z, float* a, const float* bias, int channels, index_t plane, int act) {
    GRID_STRIDE(i, channels * plane) {
        int c = (int)(i / plane);
        a[i] = activate(z[i] + bias[c], act);
    }
}

// a = act((z − m)/(√v + 1e-6)·s + b) with darknet's inference batch norm; denominator[c] =
// √v + 1e-6 in double, as the reference evaluates it.
extern "C" __global__ void batchnorm_activate(
        const float* z,
        float* a,
        const float* mean,
        const double* denominator,
        const float* scale,
        const float* bias,
        int channels,
        index_t plane,
        int act) {
    GRID_STRIDE(i, channels * plane) {
        int c = (int)(i / plane);
        float y = (float)((double)(z[i] - mean[c]) / denominator[c]);
        y *= scale[c];
        y += bias[c];
        a[i] = activate(y, act);
    }
}

// delta *= act'(a)  (darknet gradient_array) for a layer without batch norm.
extern "C" __global__ void activation_backward(float* delta, const float* a, index_t n, int act) {
    GRID_STRIDE(i, n) {
        delta[i] *= activation_gradient(a[i], act);
    }
}

// BatchNormGradient.EXACT: delta = delta·act'(a)·factor[c], factor = s/(√v + 1e-6).
extern "C" __global__ void batchnorm_backward_exact(
        float* delta, const float* a, const float* factor, int channels, index_t plane, int act) {
    GRID_STRIDE(i, channels * plane) {
        int c = (int)(i / plane);
        float d = delta[i] * activation_gradient(a[i], act);
        delta[i] = d * factor[c];
    }
}

// BatchNormGradient.DARKNET, pass 1 (one block per channel): delta = delta·act'(a)·s, and the
// channel's Σdelta and Σdelta·(z − m), summed in a fixed order into sums[2c], sums[2c + 1].
extern "C" __global__ void batchnorm_backward_sums(
        float* delta,
        const float* a,
        const float* z,
        const float* scale,
        const float* mean,
        index_t plane,
        int act,
        double* sums) {
    __shared__ double shared[THREADS];
    int c = blockIdx.x;
    float s = scale[c];
    float m = mean[c];
    double sumDelta = 0;
    double sumCentered = 0;
    for (index_t j = threadIdx.x; j < plane; j += blockDim.x) {
        index_t i = c * plane + j;
        float d = delta[i] * activation_gradient(a[i], act);
        d *= s;
        delta[i] = d;
        sumDelta += d;
        sumCentered += (double)(d * (z[i] - m));
    }
    sumDelta = block_sum(sumDelta, shared);
    sumCentered = block_sum(sumCentered, shared);
    if (threadIdx.x == 0) {
        sums[2 * c] = sumDelta;
        sums[2 * c + 1] = sumCentered;
    }
}

// BatchNormGradient.DARKNET, pass 2: darknet backward_batchnorm_layer with the rolling statistics
// (mean_delta, variance_delta, normalize_delta), in double as the reference evaluates it.
extern "C" __global__ void batchnorm_backward_apply(
        float* delta,
        const float* z,
        const float* mean,
        const float* variance,
        const double* sums,
        int channels,
        index_t plane) {
    GRID_STRIDE(i, channels * plane) {
        int c = (int)(i / plane);
        float vPlusEpsilon = variance[c] + .00001f;
        double invStd = 1. / sqrt((double)vPlusEpsilon);
        float meanDelta = (float)(sums[2 * c] * (-1. / sqrt((double)vPlusEpsilon)));
        float varianceDelta = (float)(sums[2 * c + 1] * -.5 * pow((double)vPlusEpsilon, (double)(float)(-3. / 2.)));
        float centered = z[i] - mean[c];
        delta[i] = (float)(delta[i] * invStd + varianceDelta * 2. * centered / (double)plane
                + meanDelta / (double)plane);
    }
}

// darknet forward_maxpool_layer: window origin offset + o·stride, cells outside are −∞, the first
// strict maximum scanning ky then kx wins. argmax holds its position in the window (ky·size + kx).
extern "C" __global__ void maxpool_forward(
        const float* x,
        float* y,
        int* argmax,
        int channels,
        int inH,
        int inW,
        int outH,
        int outW,
        int size,
        int stride,
        int offset) {
    GRID_STRIDE(o, (index_t)channels * outH * outW) {
        int ox = (int)(o % outW);
        int oy = (int)((o / outW) % outH);
        index_t c = o / ((index_t)outW * outH);
        float max = -INFINITY;
        int best = -1;
        for (int n = 0; n < size; n++) {
            int iy = offset + oy * stride + n;
            for (int m = 0; m < size; m++) {
                int ix = offset + ox * stride + m;
                if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
                    float v = x[(c * inH + iy) * inW + ix];
                    if (v > max || best < 0) {
                        max = v;
                        best = n * size + m;
                    }
                }
            }
        }
        y[o] = max;
        argmax[o] = best;
    }
}

__device__ __forceinline__ int floor_div(int a, int b) {
    int q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// darknet backward_maxpool_layer as a gather, so overlapping windows need no atomics: each input
// cell sums, in increasing output order (the reference's order), the gradients of the outputs
// whose argmax it is. Overwrites dx.
extern "C" __global__ void maxpool_backward(
        const float* g,
        const int* argmax,
        float* dx,
        int channels,
        int inH,
        int inW,
        int outH,
        int outW,
        int size,
        int stride,
        int offset) {
    GRID_STRIDE(i, (index_t)channels * inH * inW) {
        int ix = (int)(i % inW);
        int iy = (int)((i / inW) % inH);
        index_t c = i / ((index_t)inW * inH);
        // Outputs whose window [offset + o·stride, offset + o·stride + size) holds the cell.
        int oyFrom = max(0, floor_div(iy - offset - size, stride) + 1);
        int oyTo = min(outH - 1, floor_div(iy - offset, stride));
        int oxFrom = max(0, floor_div(ix - offset - size, stride) + 1);
        int oxTo = min(outW - 1, floor_div(ix - offset, stride));
        float sum = 0.f;
        for (int oy = oyFrom; oy <= oyTo; oy++) {
            int n = iy - offset - oy * stride;
            for (int ox = oxFrom; ox <= oxTo; ox++) {
                int m = ix - offset - ox * stride;
                index_t o = (c * outH + oy) * outW + ox;
                if (argmax[o] == n * size + m) sum += g[o];
            }
        }
        dx[i] = sum;
    }
}
