package dev.nightmare.engine.testing;

/** Differences between two float arrays, as the golden README measures them. */
public record Compare(
        int n, double maxAbs, double meanAbs, double fractionOver, int firstWorst, double referenceMaxAbs) {
    /** Threshold for {@link #fractionOver}: one 8-bit step. */
    public static final double ONE_STEP = 1.0 / 255;

    public static Compare of(float[] expected, float[] actual) {
        return of(expected, actual, ONE_STEP);
    }

    public static Compare of(float[] expected, float[] actual, double overThreshold) {
        if (expected.length != actual.length) {
            throw new AssertionError("lengths differ: expected " + expected.length + ", actual " + actual.length);
        }
        double max = 0, sum = 0, refMax = 0;
        int over = 0, worst = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(d)) {
                d = Double.POSITIVE_INFINITY;
            }
            if (d > max || worst < 0) {
                max = Math.max(max, d);
                worst = d >= max ? i : worst;
            }
            sum += d;
            if (d > overThreshold) {
                over++;
            }
            refMax = Math.max(refMax, Math.abs(expected[i]));
        }
        return new Compare(expected.length, max, sum / expected.length, (double) over / expected.length, worst, refMax);
    }

    @Override
    public String toString() {
        return String.format(
                "max|diff|=%.3g mean|diff|=%.3g over=%.4f%% (n=%d, max|ref|=%.3g, worst at %d)",
                maxAbs, meanAbs, 100 * fractionOver, n, referenceMaxAbs, firstWorst);
    }
}
