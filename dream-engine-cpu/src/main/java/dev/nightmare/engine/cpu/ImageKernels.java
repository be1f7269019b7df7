package dev.nightmare.engine.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The per-iteration steps on planar 3-channel images (darknet optimize_picture steps 3 and 7–10),
 * vectorised and split over threads. They reproduce {@link dev.nightmare.engine.image.ImageOps}
 * and the reference session operation for operation (same float32 expressions, no fused
 * multiply-add), so jitter and unjitter are bit-identical to the oracle; reductions accumulate float lanes
 * over fixed chunks whose sums combine in double, in order, so they do not depend on the thread count.
 */
public final class ImageKernels {
    /** Floats per reduction chunk: fixed, so sums do not depend on how many threads run. */
    private static final int CHUNK = 1 << 14;

    private final Workers workers;
    private final KernelChoice choice;
    /** Horizontal-pass buffer of the separable resizes, grown on demand; never shrinks. */
    private float[] part = new float[0];

    public ImageKernels(Workers workers) {
        this(workers, new KernelChoice(KernelChoice.Mode.VECTOR));
    }

    /** @param choice which form the vectorised steps run in (both give the same bits) */
    public ImageKernels(Workers workers, KernelChoice choice) {
        this.workers = workers;
        this.choice = choice;
    }

    private float[] part(int floats) {
        if (part.length < floats) {
            part = new float[floats];
        }
        return part;
    }

    /**
     * Step 3: {@code dst = flip?(resize(crop(image, dx, dy, W, H), w, h))}, crop replicating edges
     * and darknet's corner-aligned bilinear resize (horizontal pass first).
     */
    public void jitter(CpuTensor image, Jitter jitter, CpuTensor dst) {
        Shape is = image.shape();
        Shape ds = dst.shape();
        int ch = is.channels(), srcW = is.width(), srcH = is.height();
        int w = ds.width(), h = ds.height();
        MemorySegment src = image.data();
        MemorySegment out = dst.data();
        // Horizontal pass over every cropped source row: cropped(x, r) = src(clamp(x+dx), clamp(r+dy)).
        float[] p = part(ch * srcH * w);
        float wScale = (float) (srcW - 1) / (w - 1);
        int[] colA = new int[w];
        int[] colB = new int[w];
        float[] frac = new float[w];
        boolean[] copy = new boolean[w];
        for (int c = 0; c < w; c++) {
            if (c == w - 1 || srcW == 1) {
                copy[c] = true;
                colA[c] = Math.clamp(srcW - 1 + jitter.dx(), 0, srcW - 1);
            } else {
                float sx = c * wScale;
                int ix = (int) sx;
                frac[c] = sx - ix;
                colA[c] = Math.clamp(ix + jitter.dx(), 0, srcW - 1);
                colB[c] = Math.clamp(ix + 1 + jitter.dx(), 0, srcW - 1);
            }
        }
        boolean flip = jitter.flip();
        workers.split(ch * srcH, (from, to) -> {
            float[] line = new float[srcW]; // rows staged in an array: fast before the JIT's top tier too
            for (int row = from; row < to; row++) {
                int k = row / srcH;
                int r = row % srcH;
                long srcRow = ((long) k * srcH + Math.clamp(r + jitter.dy(), 0, srcH - 1)) * srcW;
                MemorySegment.copy(src, JAVA_FLOAT, srcRow * Float.BYTES, line, 0, srcW);
                int partRow = row * w;
                for (int c = 0; c < w; c++) {
                    float val;
                    if (copy[c]) {
                        val = line[colA[c]];
                    } else {
                        float dx = frac[c];
                        val = (1 - dx) * line[colA[c]] + dx * line[colB[c]];
                    }
                    // Mirroring the horizontal pass mirrors the result (the vertical pass is per column).
                    p[partRow + (flip ? w - 1 - c : c)] = val;
                }
            }
        });
        verticalPass(p, ch, srcH, w, h, out);
    }

    /** darknet resize_image's vertical pass: {@code dst = (1−dy)·part[iy]}, then {@code += dy·part[iy+1]}. */
    private void verticalPass(float[] p, int ch, int srcH, int w, int h, MemorySegment out) {
        float hScale = (float) (srcH - 1) / (h - 1);
        boolean vector = choice.vector();
        workers.split(ch * h, (from, to) -> {
            float[] line = vector ? null : new float[w];
            for (int row = from; row < to; row++) {
                int k = row / h;
                int r = row % h;
                float sy = h == 1 ? 0 : r * hScale;
                int iy = (int) sy;
                float dy = sy - iy;
                int partRow = (k * srcH + iy) * w;
                long dstRow = (long) row * w;
                boolean single = r == h - 1 || srcH == 1;
                if (vector) {
                    blendRows(p, partRow, single ? -1 : partRow + w, 1 - dy, dy, out, dstRow, w, 0, true);
                } else {
                    blendRows(p, partRow, single ? -1 : partRow + w, 1 - dy, dy, line, 0, w, 0);
                    MemorySegment.copy(line, 0, out, JAVA_FLOAT, dstRow * Float.BYTES, w);
                }
            }
        });
    }

    /**
     * {@code out[dst + x] = a·p[rowA + x + shift]} then {@code += b·p[rowB + x + shift]} (rowB < 0:
     * first term only), for x in [0, n).
     */
    private static void blendRows(
            float[] p,
            int rowA,
            int rowB,
            float a,
            float b,
            MemorySegment out,
            long dst,
            int n,
            int shift,
            boolean vector) {
        int x = 0;
        int bound = vector ? Vectors.F.loopBound(n) : 0;
        FloatVector va = vector ? FloatVector.broadcast(Vectors.F, a) : null;
        FloatVector vb = vector ? FloatVector.broadcast(Vectors.F, b) : null;
        for (; x < bound; x += Vectors.LANES) {
            FloatVector v =
                    FloatVector.fromArray(Vectors.F, p, rowA + x + shift).mul(va);
            if (rowB >= 0) {
                v = v.add(FloatVector.fromArray(Vectors.F, p, rowB + x + shift).mul(vb));
            }
            Vectors.store(v, out, dst + x);
        }
        for (; x < n; x++) {
            float v = a * p[rowA + x + shift];
            if (rowB >= 0) {
                v += b * p[rowB + x + shift];
            }
            out.setAtIndex(JAVA_FLOAT, dst + x, v);
        }
    }

    /** {@link #blendRows}' scalar form into an array: {@code out[dst + x] = a·p[rowA + x + shift] (+ b·p[rowB + …])}. */
    private static void blendRows(
            float[] p, int rowA, int rowB, float a, float b, float[] out, int dst, int n, int shift) {
        for (int x = 0; x < n; x++) {
            float v = a * p[rowA + x + shift];
            if (rowB >= 0) {
                v += b * p[rowB + x + shift];
            }
            out[dst + x] = v;
        }
    }

    /**
     * Step 7: {@code out = crop(resize(flip?(gradient), W, H), −dx, −dy)}; mirrors {@code gradient}
     * in place when flipping, as darknet does.
     */
    public void unjitter(CpuTensor gradient, Jitter jitter, CpuTensor out) {
        Shape gs = gradient.shape();
        Shape os = out.shape();
        int ch = gs.channels(), srcW = gs.width(), srcH = gs.height();
        int w = os.width(), h = os.height();
        MemorySegment g = gradient.data();
        if (jitter.flip()) {
            flip(g, ch, srcW, srcH);
        }
        float[] p = part(ch * srcH * w);
        float wScale = (float) (srcW - 1) / (w - 1);
        workers.split(ch * srcH, (from, to) -> {
            float[] line = new float[srcW];
            for (int row = from; row < to; row++) {
                long srcRow = (long) row * srcW;
                MemorySegment.copy(g, JAVA_FLOAT, srcRow * Float.BYTES, line, 0, srcW);
                int partRow = row * w;
                for (int c = 0; c < w; c++) {
                    float val;
                    if (c == w - 1 || srcW == 1) {
                        val = line[srcW - 1];
                    } else {
                        float sx = c * wScale;
                        int ix = (int) sx;
                        float dx = sx - ix;
                        val = (1 - dx) * line[ix] + dx * line[ix + 1];
                    }
                    p[partRow + c] = val;
                }
            }
        });
        // Vertical pass evaluated at the cropped coordinates: out(x, y) = resized(clamp(x−dx), clamp(y−dy)).
        float hScale = (float) (srcH - 1) / (h - 1);
        int dx = -jitter.dx();
        int dy = -jitter.dy();
        MemorySegment o = out.data();
        // Columns x whose source column x+dx lies inside [0, w) copy a contiguous run.
        int xFrom = Math.clamp(-dx, 0, w);
        int xTo = Math.clamp(w - dx, xFrom, w);
        boolean vector = choice.vector();
        workers.split(ch * h, (from, to) -> {
            float[] line = vector ? null : new float[w];
            for (int row = from; row < to; row++) {
                int k = row / h;
                int r = Math.clamp(row % h + dy, 0, h - 1);
                float sy = h == 1 ? 0 : r * hScale;
                int iy = (int) sy;
                float fy = sy - iy;
                int partRow = (k * srcH + iy) * w;
                int nextRow = r == h - 1 || srcH == 1 ? -1 : partRow + w;
                long dstRow = (long) row * w;
                float a = 1 - fy;
                if (!vector) {
                    blendRows(p, partRow, nextRow, a, fy, line, xFrom, xTo - xFrom, xFrom + dx);
                    for (int x = 0; x < xFrom; x++) {
                        line[x] = resized(p, partRow, nextRow, a, fy, 0);
                    }
                    for (int x = xTo; x < w; x++) {
                        line[x] = resized(p, partRow, nextRow, a, fy, w - 1);
                    }
                    MemorySegment.copy(line, 0, o, JAVA_FLOAT, dstRow * Float.BYTES, w);
                    continue;
                }
                blendRows(p, partRow, nextRow, a, fy, o, dstRow + xFrom, xTo - xFrom, xFrom + dx, true);
                for (int x = 0; x < xFrom; x++) {
                    o.setAtIndex(JAVA_FLOAT, dstRow + x, resized(p, partRow, nextRow, a, fy, 0));
                }
                for (int x = xTo; x < w; x++) {
                    o.setAtIndex(JAVA_FLOAT, dstRow + x, resized(p, partRow, nextRow, a, fy, w - 1));
                }
            }
        });
    }

    private static float resized(float[] p, int rowA, int rowB, float a, float b, int x) {
        float v = a * p[rowA + x];
        if (rowB >= 0) {
            v += b * p[rowB + x];
        }
        return v;
    }

    /** darknet flip_image: horizontal mirror of every row, in place. */
    public void flip(MemorySegment data, int channels, int w, int h) {
        workers.split(channels * h, (from, to) -> {
            float[] line = new float[w];
            for (int row = from; row < to; row++) {
                long base = (long) row * w * Float.BYTES;
                MemorySegment.copy(data, JAVA_FLOAT, base, line, 0, w);
                for (int j = 0; j < w / 2; j++) {
                    float swap = line[w - j - 1];
                    line[w - j - 1] = line[j];
                    line[j] = swap;
                }
                MemorySegment.copy(line, 0, data, JAVA_FLOAT, base, w);
            }
        });
    }

    /**
     * Steps 8–10: {@code D += 0.1·(0.5 − I)}; if normalising, {@code D = (D − μ)/σ}; {@code I =
     * clamp(I + rate·D, 0, 1)}.
     *
     * @return false when σ is 0 and the step was skipped
     */
    public boolean ascend(CpuTensor image, CpuTensor gradient, float rate, boolean normalize) {
        MemorySegment im = image.data();
        MemorySegment d = gradient.data();
        long n = image.shape().size();
        if (!choice.vector()) {
            return ascendScalar(im, d, n, rate, normalize);
        }
        FloatVector tenth = FloatVector.broadcast(Vectors.F, 0.1f);
        FloatVector half = FloatVector.broadcast(Vectors.F, 0.5f);
        // Pass 1: grey pull, fused with the sum for the mean.
        double sum = reduce(n, (from, to) -> {
            FloatVector acc = FloatVector.zero(Vectors.F);
            double tail = 0;
            long i = from;
            for (; i + Vectors.LANES <= to; i += Vectors.LANES) {
                FloatVector v = Vectors.load(d, i).add(tenth.mul(half.sub(Vectors.load(im, i))));
                Vectors.store(v, d, i);
                acc = acc.add(v);
            }
            for (; i < to; i++) {
                float v = d.getAtIndex(JAVA_FLOAT, i) + 0.1f * (0.5f - im.getAtIndex(JAVA_FLOAT, i));
                d.setAtIndex(JAVA_FLOAT, i, v);
                tail += v;
            }
            return Vectors.sumLanes(acc) + tail;
        });
        if (normalize) {
            float mu = (float) (sum / n);
            float sigma = (float) Math.sqrt(variance(d, n, mu));
            // A uniform D has σ = 0 exactly; float-lane sums could leave a rounding residue instead.
            if (sigma == 0 || uniform(d, n)) {
                return false;
            }
            FloatVector vmu = FloatVector.broadcast(Vectors.F, mu);
            FloatVector vsigma = FloatVector.broadcast(Vectors.F, sigma);
            FloatVector vrate = FloatVector.broadcast(Vectors.F, rate);
            forChunks(n, (from, to) -> {
                long i = from;
                for (; i + Vectors.LANES <= to; i += Vectors.LANES) {
                    FloatVector dn = Vectors.load(d, i).sub(vmu).div(vsigma);
                    Vectors.store(dn, d, i);
                    Vectors.store(clamp01(Vectors.load(im, i).add(vrate.mul(dn))), im, i);
                }
                for (; i < to; i++) {
                    float dn = (d.getAtIndex(JAVA_FLOAT, i) - mu) / sigma;
                    d.setAtIndex(JAVA_FLOAT, i, dn);
                    im.setAtIndex(JAVA_FLOAT, i, Math.clamp(im.getAtIndex(JAVA_FLOAT, i) + rate * dn, 0f, 1f));
                }
            });
        } else {
            FloatVector vrate = FloatVector.broadcast(Vectors.F, rate);
            forChunks(n, (from, to) -> {
                long i = from;
                for (; i + Vectors.LANES <= to; i += Vectors.LANES) {
                    Vectors.store(clamp01(Vectors.load(im, i).add(vrate.mul(Vectors.load(d, i)))), im, i);
                }
                for (; i < to; i++) {
                    im.setAtIndex(
                            JAVA_FLOAT,
                            i,
                            Math.clamp(im.getAtIndex(JAVA_FLOAT, i) + rate * d.getAtIndex(JAVA_FLOAT, i), 0f, 1f));
                }
            });
        }
        return true;
    }

    private static FloatVector clamp01(FloatVector v) {
        return v.max(0f).min(1f);
    }

    /**
     * {@link #ascend}'s scalar form: each chunk's sums kept as {@link Vectors#LANES} float lanes over
     * its whole vectors (lane l takes elements l, l + LANES, …), the lanes then summed in double in
     * order, plus the tail in double: the vector form's arithmetic, one value at a time.
     */
    private boolean ascendScalar(MemorySegment im, MemorySegment d, long n, float rate, boolean normalize) {
        double sum = reduce(n, (from, to) -> {
            int count = (int) (to - from);
            float[] dv = load(d, from, count);
            float[] iv = load(im, from, count);
            float[] acc = new float[Vectors.LANES];
            double tail = 0;
            int whole = count / Vectors.LANES * Vectors.LANES;
            for (int i = 0; i < count; i++) {
                float v = dv[i] + 0.1f * (0.5f - iv[i]);
                dv[i] = v;
                if (i < whole) {
                    acc[i % Vectors.LANES] += v;
                } else {
                    tail += v;
                }
            }
            MemorySegment.copy(dv, 0, d, JAVA_FLOAT, from * Float.BYTES, count);
            return lanes(acc) + tail;
        });
        if (normalize) {
            float mu = (float) (sum / n);
            double squares = reduce(n, (from, to) -> {
                int count = (int) (to - from);
                float[] dv = load(d, from, count);
                float[] acc = new float[Vectors.LANES];
                double tail = 0;
                int whole = count / Vectors.LANES * Vectors.LANES;
                for (int i = 0; i < count; i++) {
                    float c = dv[i] - mu;
                    if (i < whole) {
                        acc[i % Vectors.LANES] += c * c;
                    } else {
                        tail += c * c;
                    }
                }
                return lanes(acc) + tail;
            });
            float sigma = (float) Math.sqrt((float) (squares / n));
            if (sigma == 0 || uniformScalar(d, n)) {
                return false;
            }
            forChunks(n, (from, to) -> {
                for (long at = from; at < to; at += CHUNK) {
                    int count = (int) Math.min(CHUNK, to - at);
                    float[] dv = load(d, at, count);
                    float[] iv = load(im, at, count);
                    for (int i = 0; i < count; i++) {
                        float dn = (dv[i] - mu) / sigma;
                        dv[i] = dn;
                        iv[i] = Math.clamp(iv[i] + rate * dn, 0f, 1f);
                    }
                    MemorySegment.copy(dv, 0, d, JAVA_FLOAT, at * Float.BYTES, count);
                    MemorySegment.copy(iv, 0, im, JAVA_FLOAT, at * Float.BYTES, count);
                }
            });
        } else {
            forChunks(n, (from, to) -> {
                for (long at = from; at < to; at += CHUNK) {
                    int count = (int) Math.min(CHUNK, to - at);
                    float[] dv = load(d, at, count);
                    float[] iv = load(im, at, count);
                    for (int i = 0; i < count; i++) {
                        iv[i] = Math.clamp(iv[i] + rate * dv[i], 0f, 1f);
                    }
                    MemorySegment.copy(iv, 0, im, JAVA_FLOAT, at * Float.BYTES, count);
                }
            });
        }
        return true;
    }

    /** {@code count} floats from float index {@code from}, as an array (scalar loops run over arrays). */
    private static float[] load(MemorySegment s, long from, int count) {
        float[] values = new float[count];
        MemorySegment.copy(s, JAVA_FLOAT, from * Float.BYTES, values, 0, count);
        return values;
    }

    /** {@link Vectors#sumLanes}: the lanes in order, in double. */
    private static double lanes(float[] acc) {
        double sum = 0;
        for (float lane : acc) {
            sum += lane;
        }
        return sum;
    }

    private boolean uniformScalar(MemorySegment d, long n) {
        float first = d.getAtIndex(JAVA_FLOAT, 0);
        double differing = reduce(n, (from, to) -> {
            float[] dv = load(d, from, (int) (to - from));
            for (float v : dv) {
                if (v != first) {
                    return 1;
                }
            }
            return 0;
        });
        return differing == 0;
    }

    /** Whether every value equals the first. */
    private boolean uniform(MemorySegment d, long n) {
        float first = d.getAtIndex(JAVA_FLOAT, 0);
        FloatVector vfirst = FloatVector.broadcast(Vectors.F, first);
        double differing = reduce(n, (from, to) -> {
            long i = from;
            for (; i + Vectors.LANES <= to; i += Vectors.LANES) {
                if (Vectors.load(d, i).compare(VectorOperators.NE, vfirst).anyTrue()) {
                    return 1;
                }
            }
            for (; i < to; i++) {
                if (d.getAtIndex(JAVA_FLOAT, i) != first) {
                    return 1;
                }
            }
            return 0;
        });
        return differing == 0;
    }

    /** Population variance about a float mean, the squares taken in float and summed in double. */
    private double variance(MemorySegment d, long n, float mu) {
        FloatVector vmu = FloatVector.broadcast(Vectors.F, mu);
        double squares = reduce(n, (from, to) -> {
            FloatVector acc = FloatVector.zero(Vectors.F);
            double tail = 0;
            long i = from;
            for (; i + Vectors.LANES <= to; i += Vectors.LANES) {
                FloatVector c = Vectors.load(d, i).sub(vmu);
                acc = acc.add(c.mul(c));
            }
            for (; i < to; i++) {
                float c = d.getAtIndex(JAVA_FLOAT, i) - mu;
                tail += c * c;
            }
            return Vectors.sumLanes(acc) + tail;
        });
        return (float) (squares / n);
    }

    /**
     * Reconstruct mode: {@code U += D; R += rate·U; U *= momentum; R = clamp(R, 0, 1)}.
     *
     * @return |D|, the L2 norm of the input gradient
     */
    public double momentumStep(CpuTensor image, CpuTensor update, CpuTensor gradient, float rate, float momentum) {
        MemorySegment r = image.data();
        MemorySegment u = update.data();
        MemorySegment d = gradient.data();
        long n = image.shape().size();
        double squares = reduce(n, (from, to) -> {
            double s = 0;
            for (long i = from; i < to; i++) {
                float di = d.getAtIndex(JAVA_FLOAT, i);
                float ui = u.getAtIndex(JAVA_FLOAT, i) + di;
                float ri = r.getAtIndex(JAVA_FLOAT, i) + rate * ui;
                u.setAtIndex(JAVA_FLOAT, i, ui * momentum);
                r.setAtIndex(JAVA_FLOAT, i, Math.clamp(ri, 0f, 1f));
                s += (double) di * di;
            }
            return s;
        });
        return Math.sqrt(squares);
    }

    @FunctionalInterface
    interface ChunkSum {
        double sum(long from, long to);
    }

    @FunctionalInterface
    interface Chunk {
        void run(long from, long to);
    }

    /** Σ over fixed chunks of [0, n), chunks summed in order: independent of the thread count. */
    double reduce(long n, ChunkSum body) {
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        double[] partial = new double[chunks];
        workers.split(chunks, (from, to) -> {
            for (int c = from; c < to; c++) {
                partial[c] = body.sum((long) c * CHUNK, Math.min(n, (long) (c + 1) * CHUNK));
            }
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        return total;
    }

    void forChunks(long n, Chunk body) {
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        workers.split(chunks, (from, to) -> body.run((long) from * CHUNK, Math.min(n, (long) to * CHUNK)));
    }
}
