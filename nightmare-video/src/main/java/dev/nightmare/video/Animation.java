package dev.nightmare.video;

import java.util.ArrayList;
import java.util.List;

/**
 * How a run's rounds become an animation: the format, the frame rate, and how many frames are
 * made between two consecutive rounds ({@link Interpolation}). Each round is one frame, so a run
 * of {@code r} rounds has {@code r + (r − 1)·interpolate} frames.
 *
 * @param format MP4 or GIF
 * @param fps frames per second, 1 to the format's {@link VideoFormat#maxFps()}
 * @param interpolate frames between two rounds, 0 to {@link #MAX_INTERPOLATE}
 */
public record Animation(VideoFormat format, int fps, int interpolate) {
    public static final int DEFAULT_FPS = 24;
    public static final int MAX_INTERPOLATE = 60;
    /**
     * The most frames one animation may have: 40 minutes at 24 fps. Frames cost encoding time (about
     * 10 ms each for 448×352 on one core) and the MP4 index a few bytes each; the rounds themselves
     * are bounded by the admission rule.
     */
    public static final long MAX_FRAMES = 60_000;

    public Animation {
        List<String> problems = problems(format, fps, interpolate);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** Every problem with these settings, one sentence each; empty when they make an animation. */
    public static List<String> problems(VideoFormat format, int fps, int interpolate) {
        List<String> problems = new ArrayList<>();
        if (format == null) {
            problems.add("the animation format is missing; expected mp4 or gif");
        } else if (fps < 1 || fps > format.maxFps()) {
            problems.add("fps is " + fps + "; " + format.extension() + " plays 1 to " + format.maxFps()
                    + " frames per second");
        }
        if (interpolate < 0 || interpolate > MAX_INTERPOLATE) {
            problems.add(
                    "interpolate is " + interpolate + "; expected 0 to " + MAX_INTERPOLATE + " frames between rounds");
        }
        return problems;
    }

    /** The frames of an animation of {@code rounds} rounds. */
    public long frames(int rounds) {
        return rounds <= 0 ? 0 : rounds + (long) (rounds - 1) * interpolate;
    }

    /** How long an animation of {@code rounds} rounds plays, in seconds. */
    public double seconds(int rounds) {
        return (double) frames(rounds) / fps;
    }

    /** Why an animation of {@code rounds} rounds is too long, if it is. */
    public java.util.Optional<String> tooLong(int rounds) {
        long frames = frames(rounds);
        if (frames <= MAX_FRAMES) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(rounds + " rounds with " + interpolate + " frames between them make " + frames
                + " frames; an animation may have at most " + MAX_FRAMES + ": use fewer rounds or a smaller"
                + " interpolate");
    }
}
