package dev.nightmare.cli;

import dev.nightmare.video.Animation;
import dev.nightmare.video.Animator;
import dev.nightmare.video.Frame;
import dev.nightmare.video.Motion;
import dev.nightmare.video.VideoFormat;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code nightmare animate OUT.mp4|OUT.gif ROUND... [--fps N] [--interpolate N] [-zoom Z] [-rotate R]}:
 * a video made again from round images already written, in the order given (a shell glob of
 * {@code NAME_*.jpg} sorts by round), e.g. at another frame rate or with frames between rounds
 * ({@code -zoom} and {@code -rotate} as the run had them make those follow its motion).
 */
final class AnimateCommand {
    private final PrintStream out;

    AnimateCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] words) throws Exception {
        Arguments args = Arguments.parse(words, Set.of("fps", "interpolate", "zoom", "rotate"), Set.of());
        List<String> pos = args.positionals();
        if (pos.size() < 2) {
            throw new UsageException("animate expects OUT and the round images, e.g. nightmare animate dream.mp4"
                    + " scream_tiny_12_*.jpg --fps 24");
        }
        Path target = Path.of(pos.getFirst());
        Animation animation;
        Motion motion;
        try {
            animation = new Animation(
                    VideoFormat.ofFile(target),
                    args.integer("fps", Animation.DEFAULT_FPS),
                    args.integer("interpolate", 0));
            motion = new Motion(args.number("zoom", 1f), args.number("rotate", 0f));
        } catch (IllegalArgumentException e) {
            throw new UsageException("animate " + target + ": " + e.getMessage());
        }
        List<Path> rounds = pos.subList(1, pos.size()).stream().map(Path::of).toList();
        for (Path round : rounds) {
            if (!Files.isRegularFile(round)) {
                throw new UsageException("round image " + round + " does not exist or is not a file");
            }
        }
        animation.tooLong(rounds.size()).ifPresent(why -> {
            throw new UsageException("animate: " + why);
        });
        Path partial = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            try (Animator animator = Animator.open(partial, animation, motion)) {
                for (Path round : rounds) {
                    animator.round(Frame.read(round));
                }
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        long frames = animation.frames(rounds.size());
        out.println(String.format(
                Locale.ROOT,
                "%s: %d rounds, %d frames, %.2f s at %d fps",
                target,
                rounds.size(),
                frames,
                (double) frames / animation.fps(),
                animation.fps()));
        return 0;
    }
}
