package dev.nightmare.engine.tiling;

import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.Shape;

/**
 * Steps 3 and 7 of an iteration (shared/spec/NIGHTMARE.md) for tiles, on the host, reading and
 * writing the image-sized tensors by regions so that no image-sized buffer is made: a tile's input
 * is a window of the jittered working image, and the image gradient is made from the assembled
 * working gradient in bands of rows. Every value is the float32 expression of {@link
 * dev.nightmare.engine.image.ImageOps} (and the backends' kernels, which equal it bit for bit), so
 * a tile's input equals the same window of the whole jittered image exactly. Its host buffers are
 * kept and grown, not made per tile: a poster's run would otherwise make gigabytes of garbage.
 */
final class WindowedImageOps {
    /** Output rows per band of {@link #unjitter}: bounds the host buffers to a few rows of the image. */
    private static final int BAND = 64;

    private float[] band = new float[0];
    private float[] tileInput = new float[0];
    private float[] bandOut = new float[0];

    /** Lets go of the buffers (the working size changed: other tile sizes follow). */
    void clear() {
        band = new float[0];
        tileInput = new float[0];
        bandOut = new float[0];
    }

    /** {@code buffer} if it holds {@code n} floats, else a new one that does: how the tiles' host buffers grow. */
    static float[] atLeast(float[] buffer, int n) {
        return buffer.length >= n ? buffer : new float[n];
    }

    /** A tile input's host array, reused across tile sizes ({@link DreamSession#write} takes its first floats). */
    private float[] tileInput(int n) {
        tileInput = atLeast(tileInput, n);
        return tileInput;
    }

    /**
     * {@code stack.input()} = the window at ({@code x0}, {@code y0}) of {@code flip?(resize(crop(image,
     * dx, dy, W, H), workingWidth, workingHeight))}, the window the stack's size.
     */
    void jitterWindow(
            DreamSession session,
            Tensor image,
            Jitter jitter,
            int workingWidth,
            int workingHeight,
            int x0,
            int y0,
            LayerStack stack) {
        Shape is = image.shape();
        int channels = is.channels(), srcW = is.width(), srcH = is.height();
        int tw = stack.inputShape().width(), th = stack.inputShape().height();
        // Columns: for window column x, the resized column c (mirrored when flipping) and its taps.
        int[] colA = new int[tw];
        int[] colB = new int[tw];
        float[] frac = new float[tw];
        boolean[] copy = new boolean[tw];
        float wScale = (float) (srcW - 1) / (workingWidth - 1);
        int minCol = Integer.MAX_VALUE, maxCol = -1;
        for (int x = 0; x < tw; x++) {
            int c = jitter.flip() ? workingWidth - 1 - (x0 + x) : x0 + x;
            if (c == workingWidth - 1 || srcW == 1) {
                copy[x] = true;
                colA[x] = Math.clamp(srcW - 1 + jitter.dx(), 0, srcW - 1);
                colB[x] = colA[x];
            } else {
                float sx = c * wScale;
                int ix = (int) sx;
                frac[x] = sx - ix;
                colA[x] = Math.clamp(ix + jitter.dx(), 0, srcW - 1);
                colB[x] = Math.clamp(ix + 1 + jitter.dx(), 0, srcW - 1);
            }
            minCol = Math.min(minCol, Math.min(colA[x], colB[x]));
            maxCol = Math.max(maxCol, Math.max(colA[x], colB[x]));
        }
        // Rows: for window row y, the two cropped source rows it blends and their weights.
        int[] rowA = new int[th];
        int[] rowB = new int[th];
        float[] fy = new float[th];
        boolean[] single = new boolean[th];
        float hScale = (float) (srcH - 1) / (workingHeight - 1);
        int minRow = Integer.MAX_VALUE, maxRow = -1;
        for (int y = 0; y < th; y++) {
            int r = y0 + y;
            float sy = workingHeight == 1 ? 0 : r * hScale;
            int iy = (int) sy;
            fy[y] = sy - iy;
            single[y] = r == workingHeight - 1 || srcH == 1;
            rowA[y] = Math.clamp(iy + jitter.dy(), 0, srcH - 1);
            rowB[y] = single[y] ? rowA[y] : Math.clamp(iy + 1 + jitter.dy(), 0, srcH - 1);
            minRow = Math.min(minRow, Math.min(rowA[y], rowB[y]));
            maxRow = Math.max(maxRow, Math.max(rowA[y], rowB[y]));
        }
        int bandW = maxCol - minCol + 1, bandH = maxRow - minRow + 1;
        band = atLeast(band, channels * bandW * bandH);
        float[] band = this.band;
        session.readRegion(image, minCol, minRow, bandW, bandH, band);
        float[] out = tileInput(channels * tw * th);
        float[] upper = new float[tw];
        float[] lower = new float[tw];
        for (int k = 0; k < channels; k++) {
            for (int y = 0; y < th; y++) {
                horizontal(band, (k * bandH + rowA[y] - minRow) * bandW - minCol, colA, colB, frac, copy, upper);
                int at = (k * th + y) * tw;
                float a = 1 - fy[y];
                if (single[y]) {
                    for (int x = 0; x < tw; x++) {
                        out[at + x] = a * upper[x];
                    }
                    continue;
                }
                horizontal(band, (k * bandH + rowB[y] - minRow) * bandW - minCol, colA, colB, frac, copy, lower);
                float b = fy[y];
                for (int x = 0; x < tw; x++) {
                    float v = a * upper[x];
                    v += b * lower[x];
                    out[at + x] = v;
                }
            }
        }
        session.write(stack.input(), out);
    }

    /** The horizontal pass of darknet's resize for one source row starting at {@code base} (column 0). */
    private static void horizontal(
            float[] band, int base, int[] colA, int[] colB, float[] frac, boolean[] copy, float[] out) {
        for (int x = 0; x < out.length; x++) {
            if (copy[x]) {
                out[x] = band[base + colA[x]];
            } else {
                float dx = frac[x];
                out[x] = (1 - dx) * band[base + colA[x]] + dx * band[base + colB[x]];
            }
        }
    }

    /**
     * Step 7 from the assembled working gradient: {@code imageGradient = crop(resize(flip?(working),
     * W, H), −dx, −dy)}, in bands of rows. {@code working} is left unchanged.
     */
    void unjitter(DreamSession session, Tensor working, Jitter jitter, Tensor imageGradient) {
        Shape ws = working.shape();
        Shape os = imageGradient.shape();
        int channels = ws.channels(), srcW = ws.width(), srcH = ws.height();
        int w = os.width(), h = os.height();
        // The horizontal pass's taps for each output column, in the mirrored source when flipping.
        int[] colA = new int[w];
        int[] colB = new int[w];
        float[] frac = new float[w];
        boolean[] copy = new boolean[w];
        float wScale = (float) (srcW - 1) / (w - 1);
        for (int c = 0; c < w; c++) {
            if (c == w - 1 || srcW == 1) {
                copy[c] = true;
                colA[c] = mirrored(srcW - 1, srcW, jitter.flip());
            } else {
                float sx = c * wScale;
                int ix = (int) sx;
                frac[c] = sx - ix;
                colA[c] = mirrored(ix, srcW, jitter.flip());
                colB[c] = mirrored(ix + 1, srcW, jitter.flip());
            }
        }
        float hScale = (float) (srcH - 1) / (h - 1);
        float[] resizedA = new float[w];
        float[] resizedB = new float[w];
        for (int y0 = 0; y0 < h; y0 += BAND) {
            int rows = Math.min(BAND, h - y0);
            // Output row y reads resized row clamp(y − dy); its source rows are contiguous over a band.
            int firstSource = sourceRow(Math.clamp(y0 - jitter.dy(), 0, h - 1), hScale, h);
            int lastSource =
                    Math.min(srcH - 1, sourceRow(Math.clamp(y0 + rows - 1 - jitter.dy(), 0, h - 1), hScale, h) + 1);
            int bandH = lastSource - firstSource + 1;
            band = atLeast(band, channels * srcW * bandH);
            float[] band = this.band;
            session.readRegion(working, 0, firstSource, srcW, bandH, band);
            bandOut = atLeast(bandOut, channels * w * rows);
            float[] out = bandOut;
            for (int k = 0; k < channels; k++) {
                for (int y = 0; y < rows; y++) {
                    int r = Math.clamp(y0 + y - jitter.dy(), 0, h - 1);
                    float sy = h == 1 ? 0 : r * hScale;
                    int iy = (int) sy;
                    float fy = sy - iy;
                    boolean single = r == h - 1 || srcH == 1;
                    horizontal(band, (k * bandH + iy - firstSource) * srcW, colA, colB, frac, copy, resizedA);
                    if (!single) {
                        horizontal(band, (k * bandH + iy + 1 - firstSource) * srcW, colA, colB, frac, copy, resizedB);
                    }
                    float a = 1 - fy;
                    int at = (k * rows + y) * w;
                    for (int x = 0; x < w; x++) {
                        int sx = Math.clamp(x - jitter.dx(), 0, w - 1);
                        float v = a * resizedA[sx];
                        if (!single) {
                            v += fy * resizedB[sx];
                        }
                        out[at + x] = v;
                    }
                }
            }
            session.writeRegion(imageGradient, 0, y0, w, rows, out);
        }
    }

    /**
     * Step 7 at full size for one tile: the image gradient's pixels whose source, {@code
     * (flip?(clamp(x − dx)), clamp(y − dy))}, lies in the tile's core take the tile's gradient
     * there (the resize is the identity at full size, so this is the whole step, a tile at a time).
     */
    void unjitterCore(
            DreamSession session,
            TilePlan.Tile tile,
            float[] tileGradient,
            Shape tileShape,
            Jitter jitter,
            Tensor imageGradient) {
        Shape os = imageGradient.shape();
        int w = os.width(), h = os.height(), channels = os.channels();
        int[] columns = preimage(w, tile.column().coreFrom(), tile.column().coreTo(), jitter.dx(), jitter.flip());
        int[] rows = preimage(h, tile.row().coreFrom(), tile.row().coreTo(), jitter.dy(), false);
        if (columns == null || rows == null) {
            return;
        }
        int xw = columns[1] - columns[0], yh = rows[1] - rows[0];
        int tw = tileShape.width(), th = tileShape.height();
        bandOut = atLeast(bandOut, channels * xw * yh);
        float[] out = bandOut;
        for (int k = 0; k < channels; k++) {
            for (int y = 0; y < yh; y++) {
                int sy = Math.clamp(rows[0] + y - jitter.dy(), 0, h - 1) - tile.y();
                int from = (k * th + sy) * tw;
                int at = (k * yh + y) * xw;
                for (int x = 0; x < xw; x++) {
                    int sx = mirrored(Math.clamp(columns[0] + x - jitter.dx(), 0, w - 1), w, jitter.flip());
                    out[at + x] = tileGradient[from + sx - tile.x()];
                }
            }
        }
        session.writeRegion(imageGradient, columns[0], rows[0], xw, yh, out);
    }

    /**
     * The output positions {@code [from, to)} whose source {@code mirrored(clamp(p − shift))} lies
     * in {@code [coreFrom, coreTo)}: an interval, the map being monotone; null when empty.
     */
    private static int[] preimage(int length, int coreFrom, int coreTo, int shift, boolean flip) {
        int from = -1, to = -1;
        for (int p = 0; p < length; p++) {
            int source = mirrored(Math.clamp(p - shift, 0, length - 1), length, flip);
            if (source >= coreFrom && source < coreTo) {
                if (from < 0) {
                    from = p;
                }
                to = p + 1;
            }
        }
        return from < 0 ? null : new int[] {from, to};
    }

    private static int sourceRow(int r, float hScale, int h) {
        return (int) (h == 1 ? 0 : r * hScale);
    }

    private static int mirrored(int column, int width, boolean flip) {
        return flip ? width - 1 - column : column;
    }
}
