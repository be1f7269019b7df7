// Layer kernels cuDNN does not provide: bias / inference batch norm with the activation fused,
// the activation derivatives, darknet's batch-norm backward, darknet's maxpool, avgpool and softmax.
// Layout: planar CHW (NCHW with N = 1) everywhere.
#include "common.cuh"

// Filters per thread of convolution_darknet; must match LayerParameters.DARKNET_GROUP.
#define DARKNET_GROUP 8

// ForwardArithmetic.DARKNET's convolution, bit-identical to the reference ConvolutionalLayer.convolve: each output
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

// i / plane for a planar index: 32-bit division when both fit (a 64-bit division costs ~5× more,
// and made these memory-bound kernels compute-bound).
__device__ __forceinline__ int channel_of(index_t i, index_t plane) {
    return (i < 0xFFFFFFFFLL && plane < 0xFFFFFFFFLL) ? (int)((unsigned)i / (unsigned)plane) : (int)(i / plane);
}

// a = act(z + bias[c])  (darknet add_bias, then activate_array).
extern "C" __global__ void bias_activate(
        const float* z, float* a, const float* bias, int channels, index_t plane, int act) {
    GRID_STRIDE(i, channels * plane) {
        int c = channel_of(i, plane);
        a[i] = activate(z[i] + bias[c], act);
    }
}

// bias_activate four floats at a time, for planes whose size is a multiple of 4 (a float4 never
// straddles two channels) and 16-byte aligned buffers: the same per-element arithmetic, with a
// quarter of the index work and 128-bit loads and stores. n4 = channels·plane/4.
extern "C" __global__ void bias_activate4(
        const float4* z, float4* a, const float* bias, index_t n4, index_t plane, int act) {
    GRID_STRIDE(i, n4) {
        float b = bias[channel_of(i * 4, plane)];
        float4 v = z[i];
        v.x = activate(v.x + b, act);
        v.y = activate(v.y + b, act);
        v.z = activate(v.z + b, act);
        v.w = activate(v.w + b, act);
        a[i] = v;
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
        int c = channel_of(i, plane);
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

// activation_backward four floats at a time (n4 = n/4, n a multiple of 4, 16-byte aligned buffers).
extern "C" __global__ void activation_backward4(float4* delta, const float4* a, index_t n4, int act) {
    GRID_STRIDE(i, n4) {
        float4 d = delta[i];
        float4 y = a[i];
        d.x *= activation_gradient(y.x, act);
        d.y *= activation_gradient(y.y, act);
        d.z *= activation_gradient(y.z, act);
        d.w *= activation_gradient(y.w, act);
        delta[i] = d;
    }
}

// BatchNormGradient.EXACT: delta = delta·act'(a)·factor[c], factor = s/(√v + 1e-6).
extern "C" __global__ void batchnorm_backward_exact(
        float* delta, const float* a, const float* factor, int channels, index_t plane, int act) {
    GRID_STRIDE(i, channels * plane) {
        int c = channel_of(i, plane);
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
    index_t n = (index_t)channels * outH * outW;
    GRID_STRIDE(o, n) {
        int ox, oy;
        index_t c;
        if (n < 0x7FFFFFFFLL) {  // 32-bit index arithmetic: a 64-bit division costs ~5× more
            int t = (int)o / outW;
            ox = (int)o - t * outW;
            oy = t % outH;
            c = t / outH;
        } else {
            ox = (int)(o % outW);
            oy = (int)((o / outW) % outH);
            c = o / ((index_t)outW * outH);
        }
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

// maxpool_backward for non-overlapping windows that cover the input (stride == size, offset 0,
// out·stride ≥ in; LayerLaunches.maxpoolTilesApply checks), one thread per output: each input
// cell lies in exactly one window, so dx = (argmax == cell) ? g : 0, which is what
// maxpool_backward sums. When act ≥ 0 the previous layer's activation derivative is applied in
// the same pass (delta *= act'(a), activation_backward's product, so the result is
// bit-identical). 32-bit indices (checked on the host: channels·inH·inW < 2^31).
extern "C" __global__ void maxpool_backward_tiles(
        const float* g,
        const int* argmax,
        float* dx,
        const float* a,
        int act,
        int channels,
        int inH,
        int inW,
        int outH,
        int outW,
        int size) {
    int n = channels * outH * outW;
    for (int o = blockIdx.x * blockDim.x + threadIdx.x; o < n; o += gridDim.x * blockDim.x) {
        int ox = o % outW;
        int t = o / outW;
        int oy = t % outH;
        int c = t / outH;
        float v = g[o];
        int best = argmax[o];
        for (int n2 = 0; n2 < size; n2++) {
            int iy = oy * size + n2;
            if (iy >= inH) break;
            for (int m = 0; m < size; m++) {
                int ix = ox * size + m;
                if (ix >= inW) break;
                int i = (c * inH + iy) * inW + ix;
                float d = best == n2 * size + m ? v : 0.f;
                if (act >= 0) d *= activation_gradient(a[i], act);
                dx[i] = d;
            }
        }
    }
}

// Backward-data of a stride-1 convolution with few input channels (the network's first layer:
// the image gradient), one thread per input pixel for all its ≤ 4 channels:
// dx[c,y,x] = Σ_f Σ_i,j w[f,c,i,j]·dy[f, y+pad−i, x+pad−j] (zero outside dy), summed in (f, i, j)
// order with FMAs. cuDNN runs it as a GEMM with 3 of its 64+ rows used; this reads dy once
// (neighbours' reads hit L1) and keeps the weights in shared memory. Requires channels ≤ 4 and
// filters·channels·size² ≤ SMALL_INPUT_WEIGHTS (LayerLaunches.smallInputGradientApplies checks).
#define SMALL_INPUT_CHANNELS 4
#define SMALL_INPUT_WEIGHTS 4096
extern "C" __global__ void input_gradient_small(
        const float* dy,
        const float* w,
        float* dx,
        int channels,
        int height,
        int width,
        int filters,
        int outH,
        int outW,
        int size,
        int pad) {
    __shared__ float weights[SMALL_INPUT_WEIGHTS];
    int count = filters * channels * size * size;
    for (int k = threadIdx.x; k < count; k += blockDim.x) weights[k] = w[k];
    __syncthreads();
    int plane = height * width;
    int outPlane = outH * outW;
    int taps = size * size;
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < plane; p += gridDim.x * blockDim.x) {
        int x = p % width;
        int y = p / width;
        float acc[SMALL_INPUT_CHANNELS] = {0.f, 0.f, 0.f, 0.f};
        for (int f = 0; f < filters; f++) {
            const float* dyf = dy + f * outPlane;
            for (int i = 0; i < size; i++) {
                int oy = y + pad - i;
                if (oy < 0 || oy >= outH) continue;
                for (int j = 0; j < size; j++) {
                    int ox = x + pad - j;
                    if (ox < 0 || ox >= outW) continue;
                    float d = dyf[oy * outW + ox];
                    const float* wf = weights + (f * channels) * taps + i * size + j;
#pragma unroll
                    for (int c = 0; c < SMALL_INPUT_CHANNELS; c++) {
                        if (c < channels) acc[c] = fmaf(wf[c * taps], d, acc[c]);
                    }
                }
            }
        }
        // Constant indices only (unrolled), so acc stays in registers, not local memory.
#pragma unroll
        for (int c = 0; c < SMALL_INPUT_CHANNELS; c++) {
            if (c < channels) dx[c * plane + p] = acc[c];
        }
    }
}

// input_gradient_small for the common first layer: 3 channels (RGB), 3×3 kernels, stride 1. One
// thread per 4 horizontally adjacent pixels: for each (filter, kernel row) it loads the 6 dy values
// its 4×3 taps need once and does 36 FMAs, where the general kernel spends ~30 instructions per 3
// FMAs (it was issue-bound, ~10× slower). Same sum order per output as input_gradient_small:
// (f, i, j), one FMA per term. Requires width % 4 == 0 (LayerLaunches.rgb3x3InputGradientApplies).
extern "C" __global__ void input_gradient_rgb3x3(
        const float* dy, const float* w, float* dx, int height, int width, int filters, int outH, int outW, int pad) {
    __shared__ float weights[SMALL_INPUT_WEIGHTS];
    int count = filters * 27;
    for (int k = threadIdx.x; k < count; k += blockDim.x) weights[k] = w[k];
    __syncthreads();
    int plane = height * width;
    int quads = plane / 4;
    int outPlane = outH * outW;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < quads; t += gridDim.x * blockDim.x) {
        int p0 = t * 4;
        int y = p0 / width;
        int x0 = p0 - y * width;
        float acc[3][4];
#pragma unroll
        for (int c = 0; c < 3; c++)
#pragma unroll
            for (int q = 0; q < 4; q++) acc[c][q] = 0.f;
        int left = x0 + pad - 2;  // the column of v[0]
        for (int f = 0; f < filters; f++) {
            const float* dyf = dy + f * outPlane;
            const float* wf = weights + f * 27;
#pragma unroll
            for (int i = 0; i < 3; i++) {
                int oy = y + pad - i;
                if (oy < 0 || oy >= outH) continue;
                const float* row = dyf + oy * outW;
                float v[6];
#pragma unroll
                for (int k = 0; k < 6; k++) {
                    int ox = left + k;
                    v[k] = (ox >= 0 && ox < outW) ? row[ox] : 0.f;
                }
#pragma unroll
                for (int c = 0; c < 3; c++) {
#pragma unroll
                    for (int j = 0; j < 3; j++) {
                        float wt = wf[c * 9 + i * 3 + j];
#pragma unroll
                        for (int q = 0; q < 4; q++) acc[c][q] = fmaf(wt, v[q - j + 2], acc[c][q]);
                    }
                }
            }
        }
#pragma unroll
        for (int c = 0; c < 3; c++)
#pragma unroll
            for (int q = 0; q < 4; q++) dx[c * plane + p0 + q] = acc[c][q];
    }
}

// darknet forward_avgpool_layer, one thread per channel: y[c] = (sum of x[c][i]) / plane, the
// float sum taken from 0 in position order (darknet's order: bit-identical to the reference), then
// one division. Channels are few (the layer ends a classifier), so a thread each is enough.
extern "C" __global__ void avgpool_forward(const float* x, float* y, int channels, index_t plane) {
    GRID_STRIDE(c, channels) {
        const float* xc = x + c * plane;
        float sum = 0.f;
        for (index_t i = 0; i < plane; i++) sum += xc[i];
        y[c] = sum / (float)plane;
    }
}

// darknet backward_avgpool_layer: dx[c][i] = g[c] / plane. Overwrites dx.
extern "C" __global__ void avgpool_backward(const float* g, float* dx, int channels, index_t plane) {
    GRID_STRIDE(i, channels * plane) {
        dx[i] = g[i / plane] / (float)plane;
    }
}

// darknet softmax_cpu, one thread per group of n contiguous inputs, in the reference's order: the
// largest input (from -FLT_MAX), e = exp(x/t - largest/t) with the quotients and their difference
// in float and exp in double (C's exp), the float sum of the e in order, then each e / sum.
extern "C" __global__ void softmax_forward(const float* x, float* y, int groups, int n, float temperature) {
    GRID_STRIDE(g, groups) {
        const float* xg = x + g * n;
        float* yg = y + g * n;
        float largest = -3.402823466e+38f;
        for (int i = 0; i < n; i++) {
            if (xg[i] > largest) largest = xg[i];
        }
        float sum = 0.f;
        for (int i = 0; i < n; i++) {
            float e = (float)exp((double)(xg[i] / temperature - largest / temperature));
            sum += e;
            yg[i] = e;
        }
        for (int i = 0; i < n; i++) yg[i] = yg[i] / sum;
    }
}
