package dev.nightmare.video;

import java.io.Closeable;
import java.io.IOException;

/**
 * Turns rounds into an animation as they come: each round is a frame, preceded by the {@link
 * Animation#interpolate()} frames between it and the round before ({@link Interpolation}). Holds only
 * the previous round, so memory does not depend on how many rounds a run has; {@link #close()}
 * finishes the file.
 */
public final class Animator implements Closeable {
    private final VideoWriter writer;
    private final Animation animation;
    private final Motion motion;
    private Frame previous;
    private int rounds;

    /** @param motion what the run does between rounds (its zoom and rotation) */
    public Animator(VideoWriter writer, Animation animation, Motion motion) {
        this.writer = writer;
        this.animation = animation;
        this.motion = motion;
    }

    /** Opens {@code file} for {@code animation}. */
    public static Animator open(java.nio.file.Path file, Animation animation, Motion motion) throws IOException {
        return new Animator(VideoWriter.open(file, animation.format(), animation.fps()), animation, motion);
    }

    /** The next round's frame. */
    public void round(Frame frame) throws IOException {
        if (previous != null) {
            int between = animation.interpolate();
            for (int i = 1; i <= between; i++) {
                writer.write(Interpolation.between(previous, frame, (double) i / (between + 1), motion));
            }
        }
        writer.write(frame);
        previous = frame;
        rounds++;
    }

    /** Rounds added so far. */
    public int rounds() {
        return rounds;
    }

    /** Frames written so far. */
    public long frames() {
        return writer.frames();
    }

    @Override
    public void close() throws IOException {
        previous = null;
        writer.close();
    }
}
