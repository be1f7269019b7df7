package dev.nightmare.cli;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code nightmare pattern OUT.png [--size N]}: a colourful test pattern (gradients, rings and
 * stripes) for demos when no photo is at hand; deterministic, so demos are repeatable.
 */
final class PatternCommand {
    private final PrintStream out;

    PatternCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] words) throws Exception {
        Arguments args = Arguments.parse(words, Set.of("size"), Set.of());
        List<String> pos = args.positionals();
        if (pos.size() != 1) {
            throw new UsageException("pattern expects OUT, e.g. nightmare pattern pattern.png --size 256");
        }
        int size = args.integer("size", 256);
        if (size < 8 || size > 4096) {
            throw new UsageException("--size " + size + " must be between 8 and 4096");
        }
        Path target = Path.of(pos.getFirst());
        ImageCodec.Format format = target.toString().endsWith(".jpg") ? ImageCodec.Format.JPG : ImageCodec.Format.PNG;
        NightmareCommand.writeAtomically(target, os -> ImageCodec.encode(pattern(size), format, os));
        out.println(target + " " + size + "×" + size);
        return 0;
    }

    static Image pattern(int size) {
        Image im = Image.blank(size, size, 3);
        double c = (size - 1) / 2.0;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double dx = (x - c) / size, dy = (y - c) / size;
                double r = Math.sqrt(dx * dx + dy * dy);
                double ring = 0.5 + 0.5 * Math.cos(r * 40);
                double stripe = ((x / Math.max(1, size / 16)) + (y / Math.max(1, size / 16))) % 2 == 0 ? 0.15 : 0;
                im.set(x, y, 0, (float) Math.min(1, (double) x / size * 0.8 + stripe));
                im.set(x, y, 1, (float) Math.min(1, ring * 0.7 + stripe));
                im.set(x, y, 2, (float) Math.min(1, (double) y / size * 0.8 + 0.2 * ring));
            }
        }
        return im;
    }
}
