package dev.nightmare.cli;

import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.video.Animation;
import dev.nightmare.video.Animator;
import dev.nightmare.video.Frame;
import dev.nightmare.video.Motion;
import dev.nightmare.video.VideoFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * {@code --animate FILE [--fps N] [--interpolate N]}: the run's rounds as an MP4 or GIF (the format
 * from the extension), each round's image added as soon as it is written, so memory does not grow
 * with the rounds. The frames are the round files as written, decoded; frames between rounds follow
 * the run's {@code -zoom} and {@code -rotate}. The video is written to a hidden sibling and moved
 * into place when the run ends, also when it ends early (a failure or Ctrl-C keeps the video of
 * the rounds made). With {@code --resume}, the earlier rounds' files in the output directory open
 * the video, so a resumed run's video is the whole run's.
 */
final class CliAnimation implements AutoCloseable {
    /** The options this adds to the dream command. */
    static final java.util.Set<String> VALUED = java.util.Set.of("animate", "fps", "interpolate");

    private static final CliAnimation NONE = new CliAnimation(null, null, null, null, null);

    private final Path target;
    private final Path partial;
    private final Animation animation;
    private final Animator animator;
    private final PrintStream err;

    private CliAnimation(Path target, Path partial, Animation animation, Animator animator, PrintStream err) {
        this.target = target;
        this.partial = partial;
        this.animation = animation;
        this.animator = animator;
        this.err = err;
    }

    /** What {@code --animate} asks for, checked before anything runs; null when it is not given. */
    record Settings(Path target, Animation animation) {}

    static Settings parse(Arguments args) {
        if (!args.has("animate")) {
            for (String name : new String[] {"fps", "interpolate"}) {
                if (args.has(name)) {
                    throw new UsageException("--" + name + " sets up --animate FILE; give --animate too");
                }
            }
            return null;
        }
        Path target = Path.of(args.string("animate", ""));
        VideoFormat format;
        try {
            format = VideoFormat.ofFile(target);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--animate " + target + ": " + e.getMessage());
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new UsageException("--animate " + target + ": " + parent + " is not a writable directory");
        }
        int fps = args.integer("fps", Animation.DEFAULT_FPS);
        int interpolate = args.integer("interpolate", 0);
        try {
            return new Settings(target, new Animation(format, fps, interpolate));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--animate: " + e.getMessage());
        }
    }

    /**
     * Opens the video of a run (a no-op when {@code settings} is null); with {@code firstRound > 0}
     * (a resumed run) the rounds before it are read from {@code roundFile}.
     */
    static CliAnimation open(
            Settings settings, NightmareOptions options, int firstRound, IntFunction<Path> roundFile, PrintStream err)
            throws IOException {
        if (settings == null) {
            return NONE;
        }
        settings.animation().tooLong(options.rounds()).ifPresent(why -> {
            throw new UsageException("--animate: " + why);
        });
        Path target = settings.target();
        Path partial = target.resolveSibling("." + target.getFileName() + ".tmp");
        Motion motion = new Motion(options.zoom(), options.rotateRadians());
        Animator animator = Animator.open(partial, settings.animation(), motion);
        CliAnimation opened = new CliAnimation(target, partial, settings.animation(), animator, err);
        try {
            for (int round = 0; round < firstRound; round++) {
                Path earlier = roundFile.apply(round);
                if (!Files.isRegularFile(earlier)) {
                    throw new UsageException("--animate with --resume starts the video at round 0: round " + round
                            + "'s image " + earlier + " is missing");
                }
                animator.round(Frame.read(earlier));
            }
        } catch (RuntimeException | IOException e) {
            opened.discard();
            throw e;
        }
        return opened;
    }

    /** {@code listener}, and after each of its rounds that round's file added to the video. */
    DreamListener around(DreamListener listener, IntFunction<Path> roundFile) {
        if (animator == null) {
            return listener;
        }
        return new DreamListener() {
            @Override
            public void onIteration(int round, int iteration, IterationDraws draws) {
                listener.onIteration(round, iteration, draws);
            }

            @Override
            public void onRound(RoundResult result) throws Exception {
                listener.onRound(result);
                Path file = roundFile.apply(result.round());
                try {
                    animator.round(Frame.read(file));
                } catch (NoSuchFileException e) {
                    throw new IOException("--animate: round " + result.round() + "'s image " + file + " is gone", e);
                }
            }

            @Override
            public boolean cancelled() {
                return listener.cancelled();
            }
        };
    }

    /** Finishes the video of the rounds added (none: nothing is left behind). */
    @Override
    public void close() throws IOException {
        if (animator == null) {
            return;
        }
        if (animator.rounds() == 0) {
            discard();
            return;
        }
        try {
            animator.close();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        err.println(String.format(
                Locale.ROOT,
                "nightmare: animation %s: %d rounds, %d frames, %.2f s at %d fps",
                target,
                animator.rounds(),
                animator.frames(),
                (double) animator.frames() / animation.fps(),
                animation.fps()));
    }

    private void discard() throws IOException {
        try {
            animator.close();
        } catch (IOException | RuntimeException ignored) {
            // Nothing was written that anyone will read.
        }
        Files.deleteIfExists(partial);
    }
}
