package dev.nightmare.cli;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.ForwardArithmetic;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.OptionException;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.engine.random.RandomMode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code nightmare CFG WEIGHTS IMAGE LAYER [options]}: darknet's command, same options, same output
 * names and stdout lines ({@code round name}). Everything is validated before the first iteration,
 * so a bad input writes nothing; each round's file is written atomically.
 */
final class NightmareCommand {
    static final Set<String> VALUED = Set.of(
            "range",
            "norm",
            "rounds",
            "iters",
            "octaves",
            "zoom",
            "rate",
            "thresh",
            "rotate",
            "momentum",
            "lambda",
            "smooth",
            "prefix",
            "backend",
            "backend-options",
            "seed",
            "rng",
            "format",
            "threads",
            "max-pixels",
            "bn-gradient",
            "arithmetic",
            "resume",
            "animate",
            "fps",
            "interpolate");
    static final Set<String> FLAGS = Set.of("reconstruct", "checkpoints", "no-progress", "verbose");

    private static final Pattern ROUND_SUFFIX = Pattern.compile("_(\\d{6})\\.f32$");

    private final PrintStream out;
    private final PrintStream err;
    private final Main.Terminals terminals;

    NightmareCommand(PrintStream out, PrintStream err, Main.Terminals terminals) {
        this.out = out;
        this.err = err;
        this.terminals = terminals;
    }

    int run(String[] words) throws Exception {
        Arguments args = Arguments.parse(words, VALUED, FLAGS);
        List<String> pos = args.positionals();
        if (pos.size() != 4) {
            throw new UsageException("expected CFG WEIGHTS IMAGE LAYER, got " + pos.size() + " positional argument"
                    + (pos.size() == 1 ? "" : "s") + "; see nightmare --help");
        }
        Path cfg = existing(pos.get(0), "cfg");
        Path weights = existing(pos.get(1), "weights");
        Path imagePath = existing(pos.get(2), "image");
        int layer = parseLayer(pos.get(3));

        RandomMode mode = RandomMode.fromName(args.string("rng", "seeded"));
        long seed = args.has("seed")
                ? args.longValue("seed", 0)
                : mode == RandomMode.DARKNET ? 0 : new SecureRandom().nextLong() >>> 16;
        NightmareOptions options = NightmareOptions.builder(layer)
                .range(args.integer("range", 1))
                .normalize(args.integer("norm", 1) != 0)
                .rounds(args.integer("rounds", 1))
                .iters(args.integer("iters", 10))
                .octaves(args.integer("octaves", 4))
                .zoom(args.number("zoom", 1f))
                .rate(args.number("rate", 0.04f))
                .thresh(args.number("thresh", 1f))
                .rotate(args.number("rotate", 0f))
                .momentum(args.number("momentum", 0.9f))
                .reconstruct(args.flag("reconstruct"))
                .random(mode, seed)
                .build();
        if (args.has("lambda") || args.has("smooth")) {
            err.println("nightmare: note: -lambda and -smooth are parsed but unused, as in darknet");
        }
        ImageCodec.Format format = ImageCodec.Format.fromName(args.string("format", "jpg"));
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new UsageException("-threads " + threads + " must be at least 1");
        }
        long maxPixels = args.longValue("max-pixels", ImageCodec.DEFAULT_MAX_PIXELS);
        BatchNormGradient bn = switch (args.string("bn-gradient", "darknet")) {
            case "darknet" -> BatchNormGradient.DARKNET;
            case "exact" -> BatchNormGradient.EXACT;
            default -> throw new UsageException("--bn-gradient must be darknet or exact");
        };
        ForwardArithmetic arithmetic = switch (args.string("arithmetic", "fast")) {
            case "fast" -> ForwardArithmetic.FAST;
            case "darknet" -> ForwardArithmetic.DARKNET;
            default -> throw new UsageException("--arithmetic must be fast or darknet");
        };
        Path outDir = Path.of(args.string("prefix", "."));
        if (!Files.isDirectory(outDir) || !Files.isWritable(outDir)) {
            throw new UsageException("-prefix " + outDir + " is not a writable directory; create it first");
        }
        CliAnimation.Settings animate = CliAnimation.parse(args);

        // Notes (what --verbose adds) say what was ignored or passed over; nothing they say changes the run.
        boolean verbose = args.flag("verbose");
        Consumer<String> note = verbose ? line -> err.println("nightmare: " + line) : line -> {};

        // Load and check everything before computing anything.
        Model model =
                Model.load(cfg, weights, w -> err.println("nightmare: warning: " + w), w -> note.accept("note: " + w));
        Image input = ImageCodec.read(imagePath, maxPixels);
        List<OptionException> problems = Nightmare.problems(options, model.spec(), input.width(), input.height());
        if (!problems.isEmpty()) {
            throw problems.getFirst();
        }
        Checkpoint resume = args.has("resume") ? readResume(Path.of(args.string("resume", "")), options, input) : null;
        String baseName = Model.baseName(imagePath.getFileName().toString()) + "_" + model.name() + "_" + layer;
        boolean checkpoints = args.flag("checkpoints");

        Map<String, String> properties = args.keyValues("backend-options");
        try (Backend backend = Backends.discover()
                        .create(args.string("backend", Backends.AUTO), new BackendConfig(threads, properties), note);
                DreamSession session = backend.open(model, new SessionOptions(bn, arithmetic))) {
            Nightmare nightmare = new Nightmare(session);
            err.println("nightmare: reproduce with: " + nightmare.runInfo(options));
            int firstRound = resume == null ? 0 : resume.round() + 1;
            ProgressBar progress = args.flag("no-progress")
                    ? null
                    : new ProgressBar(err, terminals.stderr(), firstRound, options.rounds(), options.iters());
            DreamListener listener = new DreamListener() {
                @Override
                public void onIteration(int round, int iteration, IterationDraws draws) {
                    if (progress != null) {
                        // Reconstruct mode (no draws) runs at one size.
                        progress.iteration(
                                round,
                                iteration,
                                draws == null ? "reconstruct" : List.of(draws.layer(), draws.octave()));
                    }
                }

                @Override
                public void onRound(RoundResult result) throws IOException {
                    String name = String.format(Locale.ROOT, "%s_%06d", baseName, result.round());
                    Path image = outDir.resolve(name + "." + format.extension());
                    writeAtomically(
                            image, os -> ImageCodec.encode(result.checkpoint().image(), format, os));
                    if (checkpoints) {
                        writeAtomically(
                                outDir.resolve(name + ".f32"),
                                os -> FloatImageFile.write(result.checkpoint().toFloatImage(), os));
                    }
                    if (result.stats().skippedSteps() > 0) {
                        if (progress != null) {
                            progress.beforeStderr();
                        }
                        err.println("nightmare: round " + result.round() + ": "
                                + result.stats().skippedSteps()
                                + " step(s) skipped: the update had zero spread (a uniform image or a dead layer)");
                    }
                    // darknet prints "%d %s\n" (round, output name without extension) on stdout.
                    if (progress != null) {
                        progress.beforeStdout(out, terminals.stdout());
                    }
                    out.println(result.round() + " " + (args.has("prefix") ? outDir.resolve(name) : name));
                    out.flush();
                    if (progress != null) {
                        progress.round(result.round(), image.toString());
                    }
                }
            };
            IntFunction<Path> roundFile = round ->
                    outDir.resolve(String.format(Locale.ROOT, "%s_%06d.%s", baseName, round, format.extension()));
            try (CliAnimation animation = CliAnimation.open(animate, options, firstRound, roundFile, err)) {
                nightmare.run(input, options, resume, animation.around(listener, roundFile));
            } catch (Exception e) {
                // The error's line (Main prints it) starts a line of its own, not the bar's.
                if (progress != null) {
                    progress.beforeStderr();
                }
                throw e;
            }
        }
        return 0;
    }

    private static Path existing(String word, String what) throws NoSuchFileException {
        Path p = Path.of(word);
        if (!Files.isRegularFile(p)) {
            throw new UsageException(what + " file " + word + " does not exist or is not a file");
        }
        return p;
    }

    private static int parseLayer(String word) {
        try {
            return Integer.parseInt(word);
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "LAYER " + word + " is not an integer; expected the index of a layer in the cfg, e.g. 10");
        }
    }

    private Checkpoint readResume(Path file, NightmareOptions options, Image input) throws IOException {
        Matcher m = ROUND_SUFFIX.matcher(file.getFileName().toString());
        if (!m.find()) {
            throw new UsageException("--resume " + file + " is not a round checkpoint; expected a NAME_%06d.f32 file"
                    + " written with --checkpoints");
        }
        int round = Integer.parseInt(m.group(1));
        if (round + 1 >= options.rounds()) {
            throw new UsageException("--resume " + file + " is round " + round + "; with -rounds " + options.rounds()
                    + " nothing is left to run");
        }
        Checkpoint checkpoint = Checkpoint.fromFloatImage(round, FloatImageFile.read(file));
        boolean sized = options.reconstruct()
                || (checkpoint.image().width() == input.width()
                        && checkpoint.image().height() == input.height());
        if (!sized || (options.reconstruct() != (checkpoint.momentum() != null))) {
            throw new UsageException("--resume " + file + " does not belong to this image and mode");
        }
        return checkpoint;
    }

    @FunctionalInterface
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes to a hidden temporary sibling, then moves it into place: no partial files. */
    static void writeAtomically(Path target, Writer writer) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                writer.write(os);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
