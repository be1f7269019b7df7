package dev.nightmare.video;

/**
 * What darknet's nightmare does to the image between two rounds (nightmare.c: rotate, then the zoom
 * crop resized back), as a similarity about the centre. A pixel at {@code x} of the next round's
 * input comes from {@code c + zoom·R(rotate)·(x − c)} of the round before ({@code c} the centre);
 * {@link #at(double)} is the same motion a fraction of the way.
 *
 * @param zoom darknet's {@code -zoom}: below 1 zooms in
 * @param rotateRadians darknet's {@code -rotate}
 */
public record Motion(double zoom, double rotateRadians) {
    /** No motion: frames between rounds are a plain cross-fade. */
    public static final Motion NONE = new Motion(1, 0);

    public Motion {
        if (!(zoom > 0) || !Double.isFinite(zoom) || !Double.isFinite(rotateRadians)) {
            throw new IllegalArgumentException("zoom " + zoom + " and rotate " + rotateRadians + " make no motion");
        }
    }

    /** The motion {@code t} of the way (t may be negative: the motion undone). */
    public Motion at(double t) {
        return new Motion(Math.pow(zoom, t), rotateRadians * t);
    }

    public boolean isNone() {
        return zoom == 1 && rotateRadians == 0;
    }
}
