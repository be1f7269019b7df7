package dev.nightmare.video;

/**
 * Frames between two consecutive rounds. A plain cross-fade between a round and the next one makes
 * a zooming sequence pulse: the next round is already zoomed, so for a moment both scales show, one
 * ghosting over the other. This blend follows the run's own {@link Motion} instead: the frame
 * {@code t} of the way from round k to round k+1 is round k moved {@code t} of the way along the
 * between-rounds zoom and rotation, cross-faded with round k+1 moved back by the remaining {@code 1 −
 * t}, so both layers line up and the picture moves steadily while the dream's new detail fades in.
 * At {@code t = 0} it is round k exactly, at {@code t = 1} round k+1; with no motion it is the plain
 * cross-fade. Where one layer has no pixels (outside its picture) the other is shown alone; where
 * neither has, black, as darknet's rotation fills the corners.
 */
public final class Interpolation {
    private Interpolation() {}

    /**
     * The frame {@code t} of the way from {@code from} to {@code to} (the next round).
     *
     * @param t in (0, 1)
     * @param motion what the run does between rounds
     */
    public static Frame between(Frame from, Frame to, double t, Motion motion) {
        if (!from.sameSize(to)) {
            throw new IllegalArgumentException("rounds of " + from.width() + "×" + from.height() + " and " + to.width()
                    + "×" + to.height() + " cannot be blended");
        }
        if (!(t > 0 && t < 1)) {
            throw new IllegalArgumentException("t is " + t + "; frames between rounds lie in (0, 1)");
        }
        int w = from.width();
        int h = from.height();
        int[] out = new int[w * h];
        // Each layer samples its round at c + s·R(a)·(x − c): the forward motion t of the way for
        // round k, the remaining motion undone for round k+1 (darknet's centre: w/2, h/2).
        Layer a = new Layer(from, motion.at(t), 1 - t);
        Layer b = new Layer(to, motion.at(t - 1), t);
        float cx = w / 2f;
        float cy = h / 2f;
        float[] pa = new float[3];
        float[] pb = new float[3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = x - cx;
                double dy = y - cy;
                boolean hasA = a.sample(dx, dy, cx, cy, pa);
                boolean hasB = b.sample(dx, dy, cx, cy, pb);
                double wa = hasA ? a.weight : 0;
                double wb = hasB ? b.weight : 0;
                double sum = wa + wb;
                if (sum == 0) {
                    continue;
                }
                int r = channel((wa * pa[0] + wb * pb[0]) / sum);
                int g = channel((wa * pa[1] + wb * pb[1]) / sum);
                int bl = channel((wa * pa[2] + wb * pb[2]) / sum);
                out[y * w + x] = (r << 16) | (g << 8) | bl;
            }
        }
        return new Frame(w, h, out);
    }

    private static int channel(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** One round seen through a similarity about the centre, with its weight in the blend. */
    private static final class Layer {
        private static final double EDGE = 1e-6;
        final Frame frame;
        final double m00;
        final double m01;
        final double m10;
        final double m11;
        final double weight;

        Layer(Frame frame, Motion motion, double weight) {
            this.frame = frame;
            double s = motion.zoom();
            double cos = Math.cos(motion.rotateRadians());
            double sin = Math.sin(motion.rotateRadians());
            // darknet's rotate_image samples (cos·dx − sin·dy, sin·dx + cos·dy) + centre.
            this.m00 = s * cos;
            this.m01 = -s * sin;
            this.m10 = s * sin;
            this.m11 = s * cos;
            this.weight = weight;
        }

        /** Bilinear RGB at the moved position into {@code rgb}; false when it falls outside the picture. */
        boolean sample(double dx, double dy, float cx, float cy, float[] rgb) {
            double sx = m00 * dx + m01 * dy + cx;
            double sy = m10 * dx + m11 * dy + cy;
            int w = frame.width();
            int h = frame.height();
            if (sx < -EDGE || sy < -EDGE || sx > w - 1 + EDGE || sy > h - 1 + EDGE) {
                return false;
            }
            sx = Math.clamp(sx, 0, w - 1);
            sy = Math.clamp(sy, 0, h - 1);
            int x0 = (int) Math.floor(sx);
            int y0 = (int) Math.floor(sy);
            int x1 = Math.min(x0 + 1, w - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            double fx = sx - x0;
            double fy = sy - y0;
            int p00 = frame.pixel(x0, y0);
            int p10 = frame.pixel(x1, y0);
            int p01 = frame.pixel(x0, y1);
            int p11 = frame.pixel(x1, y1);
            for (int c = 0; c < 3; c++) {
                int shift = 16 - 8 * c;
                double top = (1 - fx) * ((p00 >> shift) & 0xff) + fx * ((p10 >> shift) & 0xff);
                double bottom = (1 - fx) * ((p01 >> shift) & 0xff) + fx * ((p11 >> shift) & 0xff);
                rgb[c] = (float) ((1 - fy) * top + fy * bottom);
            }
            return true;
        }
    }
}
