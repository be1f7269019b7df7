package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code options.animate}: the job's rounds also as one video, encoded by the worker from the stored
 * rounds after the last one and stored at {@link JobKeys#video}. Absent (null) means no video. Each
 * round is one frame, with {@code interpolate} frames between two rounds that follow the job's zoom
 * and rotation. The limits are the video encoder's ({@code dev.nightmare.video.Animation}; the
 * worker's tests hold the two together).
 *
 * @param format {@code mp4} (H.264, plays in browsers and chat apps) or {@code gif}
 * @param fps frames per second: 1 to 60 for mp4, 1 to 50 for gif; default 24
 * @param interpolate frames between two rounds, 0 to 60; default 0
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnimateOptions(String format, Integer fps, Integer interpolate) {
    public static final int DEFAULT_FPS = 24;
    public static final int MAX_INTERPOLATE = 60;
    /** The most frames one video may have (about 14 minutes at 24 fps). */
    public static final long MAX_FRAMES = 20_000;

    /** These options with the defaults filled in and the format's name normalised. */
    public AnimateOptions resolve() {
        return new AnimateOptions(
                format == null ? null : format.toLowerCase(Locale.ROOT),
                fps == null ? DEFAULT_FPS : fps,
                interpolate == null ? 0 : interpolate);
    }

    @JsonIgnore
    public boolean isResolved() {
        return format != null && fps != null && interpolate != null;
    }

    /** The video's frames for a job of {@code rounds} rounds. */
    public long frames(int rounds) {
        int between = interpolate == null ? 0 : interpolate;
        return rounds <= 0 ? 0 : rounds + (long) (rounds - 1) * between;
    }

    /** What is wrong, one problem per field ({@code animate.format}, …), for a job of {@code rounds} rounds. */
    public List<FieldProblem> problems(int rounds) {
        List<FieldProblem> problems = new ArrayList<>();
        String f = format == null ? null : format.toLowerCase(Locale.ROOT);
        int maxFps = 60;
        if (f == null) {
            problems.add(new FieldProblem("animate.format", "animate.format is required: mp4 or gif"));
        } else if (f.equals("webp")) {
            problems.add(new FieldProblem(
                    "animate.format",
                    "animated WebP is not supported; use mp4, which plays wherever WebP does, or gif"));
        } else if (!f.equals("mp4") && !f.equals("gif")) {
            problems.add(new FieldProblem(
                    "animate.format", "animate.format '" + format + "' is unknown; expected mp4 or gif"));
        } else if (f.equals("gif")) {
            maxFps = 50;
        }
        if (fps != null && (fps < 1 || fps > maxFps)) {
            problems.add(new FieldProblem(
                    "animate.fps",
                    "animate.fps is " + fps + "; " + (f == null || problems.size() > 0 ? "a video" : f) + " plays 1 to "
                            + maxFps + " frames per second"));
        }
        if (interpolate != null && (interpolate < 0 || interpolate > MAX_INTERPOLATE)) {
            problems.add(new FieldProblem(
                    "animate.interpolate",
                    "animate.interpolate is " + interpolate + "; expected 0 to " + MAX_INTERPOLATE
                            + " frames between rounds"));
        } else if (frames(rounds) > MAX_FRAMES) {
            problems.add(new FieldProblem(
                    "animate.interpolate",
                    rounds + " rounds with " + interpolate + " frames between them make " + frames(rounds)
                            + " frames; a video may have at most " + MAX_FRAMES
                            + ": use fewer rounds or a smaller animate.interpolate"));
        }
        return problems;
    }
}
