// Shared helpers for the Nightmare kernels. Compiled with -fmad=false so that a*b + c rounds the
// product and the sum separately, as Java (and darknet's C) do: the image ops must reproduce the
// reference backend's float arithmetic, not just approximate it.
#pragma once

// Activation codes: dev.nightmare.engine.model.Activation's ordinal (LINEAR, RELU, LEAKY).
#define ACT_LINEAR 0
#define ACT_RELU 1
#define ACT_LEAKY 2

// Threads per block for every kernel; the reductions rely on it being a power of two.
#define THREADS 256
// Blocks of the first reduction pass: a constant, so a sum's order never depends on the GPU.
#define REDUCE_BLOCKS 512

typedef long long index_t;

// darknet activate(): x > 0 ? x : 0 (relu), x > 0 ? x : .1*x (leaky: darknet's C evaluates .1*x in
// double, then stores a float; the reference's Activation.apply does the same, and so must we).
__device__ __forceinline__ float activate(float x, int act) {
    if (act == ACT_RELU) return x > 0 ? x : 0.f;
    if (act == ACT_LEAKY) return x > 0 ? x : __double2float_rn(__dmul_rn(0.1, (double)x));
    return x;
}

// darknet gradient(): the derivative evaluated on the activated output y.
__device__ __forceinline__ float activation_gradient(float y, int act) {
    if (act == ACT_RELU) return y > 0 ? 1.f : 0.f;
    if (act == ACT_LEAKY) return y > 0 ? 1.f : 0.1f;
    return 1.f;
}

__device__ __forceinline__ int clamp_int(int v, int lo, int hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

// Java's Math.clamp(v, 0f, 1f): NaN stays NaN (fminf/fmaxf would hide it from the engine's check).
__device__ __forceinline__ float clamp_unit(float v) {
    return v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
}

#define GRID_STRIDE(i, n) \
    for (index_t i = (index_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (index_t)gridDim.x * blockDim.x)

// Sums a block's values in shared memory in a fixed tree order; thread 0 gets the total.
__device__ __forceinline__ double block_sum(double v, double* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
        __syncthreads();
    }
    double total = shared[0];
    __syncthreads();
    return total;
}
