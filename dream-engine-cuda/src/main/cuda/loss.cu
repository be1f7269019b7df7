// The per-iteration maths around the network: the threshold loss (mean and std of the target
// layer), the grey pull, normalisation, the step and clamp, reconstruct mode's momentum step.
// Every reduction is deterministic: REDUCE_BLOCKS fixed blocks sum a fixed grid-stride slice each,
// in double, and one block sums the partials in a fixed tree order; nothing depends on timing
// or on the GPU's size. Nothing here returns to the host: results stay in device scalars.
#include "common.cuh"

#define SUM_PLAIN 0
#define SUM_CENTERED 1
#define SUM_SQUARES 2

// Pass 1: partials[block] = Σ over a fixed slice of x: x (plain), (x − mean)² with the float
// difference squared in float (centered, darknet variance_array), or x² in double (squares).
extern "C" __global__ void sum_partials(const float* x, index_t n, int mode, const float* moments, double* partials) {
    __shared__ double shared[THREADS];
    float mean = mode == SUM_CENTERED ? moments[0] : 0.f;
    double sum = 0;
    GRID_STRIDE(i, n) {
        float v = x[i];
        if (mode == SUM_CENTERED) {
            float d = v - mean;
            sum += (double)(d * d);
        } else if (mode == SUM_SQUARES) {
            sum += (double)v * v;
        } else {
            sum += v;
        }
    }
    sum = block_sum(sum, shared);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

// Pass 2 (one block of THREADS): total of REDUCE_BLOCKS partials in a fixed order.
__device__ double total(const double* partials, double* shared) {
    double sum = 0;
    for (int j = threadIdx.x; j < REDUCE_BLOCKS; j += blockDim.x) sum += partials[j];
    return block_sum(sum, shared);
}

// moments[0] = (float)(Σ/n): darknet mean_array.
extern "C" __global__ void finish_mean(const double* partials, index_t n, float* moments) {
    __shared__ double shared[THREADS];
    double sum = total(partials, shared);
    if (threadIdx.x == 0) moments[0] = (float)(sum / (double)n);
}

// moments[1] = (float)(Σ(x − mean)²/n): darknet variance_array (population). When counting,
// a zero standard deviation is a skipped step: *skipped += 1.
extern "C" __global__ void finish_variance(
        const double* partials, index_t n, float* moments, int countZero, unsigned long long* skipped) {
    __shared__ double shared[THREADS];
    double sum = total(partials, shared);
    if (threadIdx.x == 0) {
        float variance = (float)(sum / (double)n);
        moments[1] = variance;
        if (countZero && (float)sqrt((double)variance) == 0.f) *skipped += 1;
    }
}

// *magnitude = √Σx² (reconstruct mode's |D|).
extern "C" __global__ void finish_magnitude(const double* partials, double* magnitude) {
    __shared__ double shared[THREADS];
    double sum = total(partials, shared);
    if (threadIdx.x == 0) *magnitude = sqrt(sum);
}

// darknet calculate_loss: grad = out > mean + thresh·√variance ? out : 0, compared in double.
extern "C" __global__ void threshold_gradient(const float* out, float* grad, index_t n, const float* moments, float thresh) {
    double threshold = (double)moments[0] + (double)thresh * sqrt((double)moments[1]);
    GRID_STRIDE(i, n) {
        float v = out[i];
        grad[i] = v > threshold ? v : 0.f;
    }
}

// Step 8, the grey pull: D += 0.1·(0.5 − I).
extern "C" __global__ void grey_pull(float* d, const float* im, index_t n) {
    GRID_STRIDE(i, n) {
        d[i] += 0.1f * (0.5f - im[i]);
    }
}

// Steps 9–10: if normalise, D = (D − μ)/σ (σ = 0: leave D and I, the step is skipped); then
// I = clamp(I + rate·D, 0, 1).
extern "C" __global__ void ascend_apply(float* im, float* d, index_t n, float rate, int normalize, const float* moments) {
    float mean = 0.f;
    float sigma = 1.f;
    if (normalize) {
        mean = moments[0];
        sigma = (float)sqrt((double)moments[1]);
        if (sigma == 0.f) return;
    }
    GRID_STRIDE(i, n) {
        float v = d[i];
        if (normalize) {
            v = (v - mean) / sigma;
            d[i] = v;
        }
        im[i] = clamp_unit(im[i] + rate * v);
    }
}

// Reconstruct mode: U += D; R += rate·U; U *= momentum; R = clamp(R, 0, 1).
extern "C" __global__ void momentum_step(float* r, float* u, const float* d, index_t n, float rate, float momentum) {
    GRID_STRIDE(i, n) {
        float ui = u[i] + d[i];
        float ri = r[i] + rate * ui;
        u[i] = ui * momentum;
        r[i] = clamp_unit(ri);
    }
}

// Reconstruct mode's loss gradient (darknet's GPU build): grad = features − out.
extern "C" __global__ void difference(const float* features, const float* out, float* grad, index_t n) {
    GRID_STRIDE(i, n) {
        grad[i] = features[i] - out[i];
    }
}
