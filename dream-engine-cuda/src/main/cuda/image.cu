// darknet's image operations (image.c) on planar float images, reproducing the reference
// backend's float arithmetic exactly (dev.nightmare.engine.image.ImageOps): scales are computed
// on the host in float and passed in, products and sums round separately (-fmad=false).
#include "common.cuh"

// Horizontal pass of darknet resize_image, reading a "source view" of a physical image: the
// logical source is srcW × srcH, logical (x, y) reads physical
// (clamp((flip ? srcW−1−x : x) + offX, 0, physW−1), clamp(y + offY, 0, physH−1)).
// That view is crop_image (offsets, edge replication) or flip_image of the physical image.
// part is dstW × srcH per channel.
extern "C" __global__ void resize_horizontal(
        const float* src,
        float* part,
        int channels,
        int physW,
        int physH,
        int srcW,
        int srcH,
        int offX,
        int offY,
        int flip,
        int dstW,
        float wScale) {
    GRID_STRIDE(i, (index_t)channels * srcH * dstW) {
        int c = (int)(i % dstW);
        int r = (int)((i / dstW) % srcH);
        index_t k = i / ((index_t)dstW * srcH);
        const float* row = src + (k * physH + clamp_int(r + offY, 0, physH - 1)) * physW;
        float val;
        if (c == dstW - 1 || srcW == 1) {
            int x = srcW - 1;
            val = row[clamp_int((flip ? srcW - 1 - x : x) + offX, 0, physW - 1)];
        } else {
            float sx = c * wScale;
            int ix = (int)sx;
            float dx = sx - ix;
            float a = row[clamp_int((flip ? srcW - 1 - ix : ix) + offX, 0, physW - 1)];
            float b = row[clamp_int((flip ? srcW - 2 - ix : ix + 1) + offX, 0, physW - 1)];
            val = (1 - dx) * a + dx * b;
        }
        part[i] = val;
    }
}

// Vertical pass of darknet resize_image into an "output view": the resized image R is dstW ×
// dstH, and out(x, y) = R(clamp((flip ? dstW−1−x : x) + offX, 0, dstW−1), clamp(y + offY, 0,
// dstH−1)), out being dstW × dstH too. That view is flip_image or crop_image of the result.
extern "C" __global__ void resize_vertical(
        const float* part,
        float* dst,
        int channels,
        int srcH,
        int dstW,
        int dstH,
        float hScale,
        int flip,
        int offX,
        int offY) {
    GRID_STRIDE(i, (index_t)channels * dstH * dstW) {
        int x = (int)(i % dstW);
        int y = (int)((i / dstW) % dstH);
        index_t k = i / ((index_t)dstW * dstH);
        int rx = clamp_int((flip ? dstW - 1 - x : x) + offX, 0, dstW - 1);
        int r = clamp_int(y + offY, 0, dstH - 1);
        // darknet leaves h_scale NaN for a 1-row target; row 0 of the source is what it means.
        float sy = dstH == 1 ? 0.f : r * hScale;
        int iy = (int)sy;
        float dy = sy - iy;
        const float* rows = part + (k * srcH + iy) * dstW;
        float val = (1 - dy) * rows[rx];
        if (!(r == dstH - 1 || srcH == 1)) {
            val += dy * rows[dstW + rx];
        }
        dst[i] = val;
    }
}

// darknet get_pixel_extend: 0 outside the image.
__device__ __forceinline__ float pixel_or_zero(const float* im, int w, int h, index_t k, int x, int y) {
    if (x < 0 || x >= w || y < 0 || y >= h) return 0.f;
    return im[(k * h + y) * w + x];
}

// darknet rotate_image: bilinear about (w/2., h/2.), taps outside are black. cos and sin come
// from the host in double, as the reference evaluates the coordinates.
extern "C" __global__ void rotate(const float* src, float* dst, int channels, int w, int h, double cosine, double sine) {
    GRID_STRIDE(i, (index_t)channels * h * w) {
        int x = (int)(i % w);
        int y = (int)((i / w) % h);
        index_t k = i / ((index_t)w * h);
        float cx = w / 2.f;
        float cy = h / 2.f;
        float rx = (float)(cosine * (double)(x - cx) - sine * (double)(y - cy) + (double)cx);
        float ry = (float)(sine * (double)(x - cx) + cosine * (double)(y - cy) + (double)cy);
        int ix = (int)floorf(rx);
        int iy = (int)floorf(ry);
        float dx = rx - ix;
        float dy = ry - iy;
        dst[i] = (1 - dy) * (1 - dx) * pixel_or_zero(src, w, h, k, ix, iy)
                + dy * (1 - dx) * pixel_or_zero(src, w, h, k, ix, iy + 1)
                + (1 - dy) * dx * pixel_or_zero(src, w, h, k, ix + 1, iy)
                + dy * dx * pixel_or_zero(src, w, h, k, ix + 1, iy + 1);
    }
}
