package dev.nightmare.engine.image;

/**
 * darknet's image operations ({@code image.c}) on planar float data, written to reproduce its
 * float32 arithmetic: scale factors and sampling coordinates are computed exactly as darknet does,
 * because they decide which source pixels are used. These are the reference implementations every
 * backend is checked against.
 */
public final class ImageOps {
    private ImageOps() {}

    /**
     * darknet {@code resize_image}: separable bilinear with corners aligned, horizontal pass first
     * into a (w × srcH) buffer, then vertical. The last column copies the source's last column; the
     * last row takes only the (1−dy) term.
     */
    public static void resize(float[] src, int channels, int srcW, int srcH, float[] dst, int dstW, int dstH) {
        resizeRows(src, channels, srcW, srcH, new ZoomWindow(0, 0, srcW, srcH), dstW, dstH, 0, dstH, dst);
    }

    /**
     * Rows {@code y0..y1−1} of {@link #resize} applied to the window {@code win} of {@code src} (its
     * pixels read as {@link #crop} reads them, edges replicated), into {@code band} (planar,
     * {@code channels × (y1−y0) × dstW}). The horizontal pass is made only for the window rows the
     * band's rows sample, so a band costs a band's memory, not the whole pass's.
     */
    public static void resizeRows(
            float[] src,
            int channels,
            int srcW,
            int srcH,
            ZoomWindow win,
            int dstW,
            int dstH,
            int y0,
            int y1,
            float[] band) {
        int winW = win.width();
        int winH = win.height();
        float wScale = (float) (winW - 1) / (dstW - 1);
        float hScale = (float) (winH - 1) / (dstH - 1);
        int first = sourceRow(y0, dstH, hScale);
        int last = Math.min(winH - 1, sourceRow(y1 - 1, dstH, hScale) + 1);
        int partRows = last - first + 1;
        float[] part = new float[channels * partRows * dstW];
        for (int k = 0; k < channels; k++) {
            for (int r = first; r <= last; r++) {
                int srcRow = (k * srcH + Math.clamp(r + win.dy(), 0, srcH - 1)) * srcW;
                int partRow = (k * partRows + r - first) * dstW;
                for (int c = 0; c < dstW; c++) {
                    float val;
                    if (c == dstW - 1 || winW == 1) {
                        val = src[srcRow + Math.clamp(winW - 1 + win.dx(), 0, srcW - 1)];
                    } else {
                        float sx = c * wScale;
                        int ix = (int) sx;
                        float dx = sx - ix;
                        val = (1 - dx) * src[srcRow + Math.clamp(ix + win.dx(), 0, srcW - 1)]
                                + dx * src[srcRow + Math.clamp(ix + 1 + win.dx(), 0, srcW - 1)];
                    }
                    part[partRow + c] = val;
                }
            }
        }
        int rows = y1 - y0;
        for (int k = 0; k < channels; k++) {
            for (int r = y0; r < y1; r++) {
                // darknet leaves h_scale NaN for a 1-row target; row 0 of the source is what it means.
                float sy = dstH == 1 ? 0 : r * hScale;
                int iy = (int) sy;
                float dy = sy - iy;
                int dstRow = (k * rows + r - y0) * dstW;
                int partRow = (k * partRows + iy - first) * dstW;
                for (int c = 0; c < dstW; c++) {
                    band[dstRow + c] = (1 - dy) * part[partRow + c];
                }
                if (r == dstH - 1 || winH == 1) {
                    continue;
                }
                int nextRow = partRow + dstW;
                for (int c = 0; c < dstW; c++) {
                    band[dstRow + c] += dy * part[nextRow + c];
                }
            }
        }
    }

    /** The window row {@link #resizeRows}'s vertical pass reads first for output row {@code r}. */
    private static int sourceRow(int r, int dstH, float hScale) {
        return (int) (dstH == 1 ? 0 : r * hScale);
    }

    public static Image resize(Image im, int width, int height) {
        Image out = Image.blank(width, height, im.channels());
        resize(im.data(), im.channels(), im.width(), im.height(), out.data(), width, height);
        return out;
    }

    /**
     * The service's {@code maxSide} rule: {@code im} itself when its longer side is at most {@code
     * maxSide}, else {@link #resize resized} so that side is {@code maxSide}, the other side scaled
     * by the same factor and rounded to the nearest pixel (at least 1).
     */
    public static Image fitWithin(Image im, int maxSide) {
        int[] size = fittedSize(im.width(), im.height(), maxSide);
        return size[0] == im.width() && size[1] == im.height() ? im : resize(im, size[0], size[1]);
    }

    /** {@code {width, height}} of what {@link #fitWithin} makes of a {@code width × height} image. */
    public static int[] fittedSize(int width, int height, int maxSide) {
        int longer = Math.max(width, height);
        if (longer <= maxSide) {
            return new int[] {width, height};
        }
        double scale = (double) maxSide / longer;
        return new int[] {Math.max(1, (int) Math.round(width * scale)), Math.max(1, (int) Math.round(height * scale))};
    }

    /** darknet {@code crop_image}: out(x, y) = in(clamp(x+dx), clamp(y+dy)), edge replication. */
    public static void crop(float[] src, int channels, int srcW, int srcH, int dx, int dy, float[] dst, int w, int h) {
        for (int k = 0; k < channels; k++) {
            for (int j = 0; j < h; j++) {
                int r = Math.clamp(j + dy, 0, srcH - 1);
                int srcRow = (k * srcH + r) * srcW;
                int dstRow = (k * h + j) * w;
                for (int i = 0; i < w; i++) {
                    dst[dstRow + i] = src[srcRow + Math.clamp(i + dx, 0, srcW - 1)];
                }
            }
        }
    }

    public static Image crop(Image im, int dx, int dy, int width, int height) {
        Image out = Image.blank(width, height, im.channels());
        crop(im.data(), im.channels(), im.width(), im.height(), dx, dy, out.data(), width, height);
        return out;
    }

    /** darknet {@code flip_image}: horizontal mirror, in place. */
    public static void flip(float[] data, int channels, int w, int h) {
        for (int row = 0; row < channels * h; row++) {
            int base = row * w;
            for (int j = 0; j < w / 2; j++) {
                float swap = data[base + w - j - 1];
                data[base + w - j - 1] = data[base + j];
                data[base + j] = swap;
            }
        }
    }

    /**
     * darknet {@code rotate_image}: rotation by {@code rad} about (w/2., h/2.), bilinear, taps
     * outside the image are 0 (black corners). Coordinates are computed in double and stored to
     * float as darknet's {@code cos(rad)·(x−cx)} does.
     */
    public static void rotate(float[] src, int channels, int w, int h, float rad, float[] dst) {
        rotateRows(src, channels, w, h, rad, 0, h, dst);
    }

    /**
     * Rows {@code y0..y1−1} of {@link #rotate}'s output into {@code band} (planar, {@code channels
     * × (y1−y0) × w}): an image rotated a band at a time needs its source and one band, not a
     * second whole image.
     */
    public static void rotateRows(float[] src, int channels, int w, int h, float rad, int y0, int y1, float[] band) {
        float cx = w / 2f;
        float cy = h / 2f;
        double cos = Math.cos(rad);
        double sin = Math.sin(rad);
        int rows = y1 - y0;
        for (int c = 0; c < channels; c++) {
            for (int y = y0; y < y1; y++) {
                for (int x = 0; x < w; x++) {
                    float rx = (float) (cos * (x - cx) - sin * (y - cy) + cx);
                    float ry = (float) (sin * (x - cx) + cos * (y - cy) + cy);
                    band[(c * rows + y - y0) * w + x] = bilinear(src, w, h, c, rx, ry);
                }
            }
        }
    }

    public static Image rotate(Image im, float rad) {
        Image out = Image.blank(im.width(), im.height(), im.channels());
        rotate(im.data(), im.channels(), im.width(), im.height(), rad, out.data());
        return out;
    }

    /** darknet {@code bilinear_interpolate} with {@code get_pixel_extend} (0 outside). */
    static float bilinear(float[] im, int w, int h, int c, float x, float y) {
        int ix = (int) Math.floor(x);
        int iy = (int) Math.floor(y);
        float dx = x - ix;
        float dy = y - iy;
        return (1 - dy) * (1 - dx) * pixel(im, w, h, c, ix, iy)
                + dy * (1 - dx) * pixel(im, w, h, c, ix, iy + 1)
                + (1 - dy) * dx * pixel(im, w, h, c, ix + 1, iy)
                + dy * dx * pixel(im, w, h, c, ix + 1, iy + 1);
    }

    private static float pixel(float[] im, int w, int h, int c, int x, int y) {
        if (x < 0 || x >= w || y < 0 || y >= h) {
            return 0;
        }
        return im[(c * h + y) * w + x];
    }

    /** The centre crop darknet takes for {@code -zoom} (nightmare.c, after each round). */
    public record ZoomWindow(int dx, int dy, int width, int height) {
        /** Offsets in double, sizes in float, both truncated, as darknet's expressions are. */
        public static ZoomWindow of(int w, int h, float zoom) {
            int dx = (int) (w * (1. - zoom) / 2.);
            int dy = (int) (h * (1. - zoom) / 2.);
            return new ZoomWindow(dx, dy, (int) (w * zoom), (int) (h * zoom));
        }
    }

    /** Zoom as darknet applies it between rounds: centre crop of zoom·size, resized back. */
    public static Image zoom(Image im, float zoom) {
        ZoomWindow win = ZoomWindow.of(im.width(), im.height(), zoom);
        return resize(crop(im, win.dx(), win.dy(), win.width(), win.height()), im.width(), im.height());
    }

    /**
     * Rows {@code y0..y1−1} of {@link #zoom}'s output into {@code band} (planar, {@code channels ×
     * (y1−y0) × w}): the crop window resized back, read straight from {@code src} ({@link
     * #resizeRows}), so an image zoomed a band at a time needs its source and one band.
     */
    public static void zoomRows(float[] src, int channels, int w, int h, ZoomWindow win, int y0, int y1, float[] band) {
        resizeRows(src, channels, w, h, win, w, h, y0, y1, band);
    }

    /**
     * darknet {@code letterbox_image}: fit inside w×h keeping the aspect ratio, pasted centred on a
     * canvas of 0.5 (reconstruct mode).
     */
    public static Image letterbox(Image im, int w, int h) {
        int newW;
        int newH;
        if ((float) w / im.width() < (float) h / im.height()) {
            newW = w;
            newH = (im.height() * w) / im.width();
        } else {
            newH = h;
            newW = (im.width() * h) / im.height();
        }
        Image resized = resize(im, newW, newH);
        Image boxed = Image.blank(w, h, im.channels());
        java.util.Arrays.fill(boxed.data(), 0.5f);
        int ox = (w - newW) / 2;
        int oy = (h - newH) / 2;
        for (int k = 0; k < im.channels(); k++) {
            for (int y = 0; y < newH; y++) {
                for (int x = 0; x < newW; x++) {
                    boxed.set(x + ox, y + oy, k, resized.get(x, y, k));
                }
            }
        }
        return boxed;
    }
}
