package dev.nightmare.cli;

import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.Preset;
import dev.nightmare.contracts.Presets;
import dev.nightmare.contracts.Recipe;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.ForwardArithmetic;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.EngineVersion;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.OptionException;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.dream.WorkEstimate;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.tiling.TilePlan;
import dev.nightmare.engine.tiling.Tiling;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code nightmare CFG WEIGHTS IMAGE LAYER [options]}: darknet's command, same options, same output
 * names and stdout lines ({@code round name}). Everything is validated before the first iteration,
 * so a bad input writes nothing; each round's file is written atomically and carries its {@link
 * Recipe}. {@code --preset NAME} takes the options a preset sets (those given win); {@code
 * --recipe-from IMAGE} takes the options, seed, backend and settings an output's recipe holds.
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
            "preset",
            "recipe-from",
            "animate",
            "fps",
            "interpolate",
            "memory-budget",
            "tile");
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
        RecipeRerun rerun = args.has("recipe-from") ? RecipeRerun.read(Path.of(args.string("recipe-from", ""))) : null;
        if (rerun != null && args.has("preset")) {
            throw new UsageException("--preset and --recipe-from both give the dream's options; give one of them");
        }

        // The files: as given, or (rerunning a recipe without them) found by the recipe's names.
        Path cfg;
        Path weights;
        Path imagePath;
        Integer layerWord = null;
        if (rerun != null) {
            if (pos.isEmpty()) {
                Path[] model = rerun.findModel();
                cfg = model[0];
                weights = model[1];
                imagePath = rerun.findInput();
            } else if (pos.size() == 3) {
                cfg = existing(pos.get(0), "cfg");
                weights = existing(pos.get(1), "weights");
                imagePath = existing(pos.get(2), "image");
            } else {
                throw new UsageException("--recipe-from takes CFG WEIGHTS INPUT, or nothing to find them by the"
                        + " recipe's names; got " + pos.size() + " positional argument" + (pos.size() == 1 ? "" : "s"));
            }
        } else {
            boolean layerFromPreset = args.has("preset") && pos.size() == 3;
            if (pos.size() != 4 && !layerFromPreset) {
                throw new UsageException("expected CFG WEIGHTS IMAGE LAYER (LAYER may be left to a --preset), got "
                        + pos.size() + " positional argument" + (pos.size() == 1 ? "" : "s")
                        + "; see nightmare --help");
            }
            cfg = existing(pos.get(0), "cfg");
            weights = existing(pos.get(1), "weights");
            imagePath = existing(pos.get(2), "image");
            if (!layerFromPreset) {
                layerWord = parseLayer(pos.get(3));
            }
        }
        String modelName = modelName(cfg);

        // Options: those given win over the preset's or the recipe's, which win over darknet's defaults.
        JobOptions given = given(args, layerWord);
        JobOptions base = null;
        if (rerun != null) {
            base = rerun.recipe().options();
        } else if (args.has("preset")) {
            Preset preset = Presets.find(modelName, args.string("preset", ""));
            if (layerWord == null && preset.options().layer() == null) {
                throw new UsageException("preset " + preset.name() + " leaves the layer to you: give CFG WEIGHTS IMAGE"
                        + " LAYER (the layers worth dreaming on are listed by nightmare presets " + modelName + ")");
            }
            base = preset.options();
        }
        JobOptions merged = given.orElse(base);
        if (merged.model() == null) {
            merged = new JobOptionsBuilder().put("model", modelName).build().orElse(merged);
        }
        RandomMode mode = RandomMode.fromName(
                merged.rng() == null ? JobOptions.DEFAULT_RNG : merged.rng().toLowerCase(Locale.ROOT));
        long seedIfAbsent = mode == RandomMode.DARKNET ? 0 : new SecureRandom().nextLong() >>> 16;
        JobOptions resolved = merged.resolve(seedIfAbsent, null);
        NightmareOptions options = resolved.toEngine();
        int layer = options.layer();
        if (args.has("lambda") || args.has("smooth")) {
            err.println("nightmare: note: -lambda and -smooth are parsed but unused, as in darknet");
        }
        ImageCodec.Format format = resolved.imageFormat();
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new UsageException("-threads " + threads + " must be at least 1");
        }
        long maxPixels = args.longValue("max-pixels", ImageCodec.DEFAULT_MAX_PIXELS);
        String bnName =
                args.string("bn-gradient", rerun == null ? null : rerun.recipe().bnGradient());
        BatchNormGradient bn = switch (bnName == null ? "darknet" : bnName) {
            case "darknet" -> BatchNormGradient.DARKNET;
            case "exact" -> BatchNormGradient.EXACT;
            default -> throw new UsageException("--bn-gradient must be darknet or exact");
        };
        String arithmeticName =
                args.string("arithmetic", rerun == null ? null : rerun.recipe().arithmetic());
        ForwardArithmetic arithmetic = switch (arithmeticName == null ? "fast" : arithmeticName) {
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
        Consumer<String> warning = line -> err.println("nightmare: warning: " + line);

        // The backend starts (its native libraries load) while the model and the image are read:
        // both take a few tenths of a second, on different cores.
        String backendName = args.has("backend")
                ? args.string("backend", Backends.AUTO)
                : rerun == null ? Backends.AUTO : rerun.backendHere(Backends.discover(), warning);
        Map<String, String> givenProperties = args.has("backend-options") || rerun == null
                ? args.keyValues("backend-options")
                : rerun.backendOptions(backendName);
        // The image's size and the cfg decide the convolution algorithm before the backend starts;
        // what cannot be read here is reported where it is read below.
        byte[] inputBytes = readOrNull(imagePath);
        Map<String, String> properties = longRunProperties(
                givenProperties,
                backendName,
                arithmetic,
                cfg,
                options,
                inputBytes,
                imagePath,
                rerun == null ? null : resolved.maxSide());
        if (properties != givenProperties) {
            note.accept("note: " + WinogradDefault.PROPERTY + "=on: a run of "
                    + WorkEstimate.flopsInWords(WinogradDefault.LONG_RUN_FLOPS) + " or more repays compiling"
                    + " Winograd's transforms");
        }
        CompletableFuture<Backend> starting = CompletableFuture.supplyAsync(
                () -> Backends.discover().create(backendName, new BackendConfig(threads, properties), note),
                task -> Thread.ofPlatform().daemon().name("nightmare-backend").start(task));

        // Load and check everything before computing anything.
        Model model;
        Image input;
        String inputSha256;
        Checkpoint resume;
        try {
            model = Model.load(cfg, weights, warning, w -> note.accept("note: " + w));
            if (inputBytes == null) {
                inputBytes = Files.readAllBytes(imagePath);
            }
            input = ImageCodec.decode(inputBytes, imagePath.toString(), maxPixels);
            inputSha256 = sha256(inputBytes);
            if (rerun != null) {
                rerun.checkModel(cfg, weights, model.sha256());
                if (resolved.maxSide() != null) {
                    // A service job's input was downscaled to maxSide before it ran: so is this one.
                    input = ImageOps.fitWithin(input, resolved.maxSide());
                }
                rerun.checkInput(imagePath, inputSha256, input, warning);
            }
            List<OptionException> problems = Nightmare.problems(options, model.spec(), input.width(), input.height());
            if (!problems.isEmpty()) {
                throw problems.getFirst();
            }
            resume = args.has("resume") ? readResume(Path.of(args.string("resume", "")), options, input) : null;
        } catch (Exception | Error e) {
            starting.thenAccept(Backend::close); // the input's error is the one to report
            throw e;
        }
        String baseName = Model.baseName(imagePath.getFileName().toString()) + "_" + model.name() + "_" + layer;
        boolean checkpoints = args.flag("checkpoints");
        int firstRound = resume == null ? 0 : resume.round() + 1;
        if (rerun != null) {
            for (int round = firstRound; round < options.rounds(); round++) {
                rerun.checkNotOverwritten(outDir.resolve(roundName(baseName, round) + "." + format.extension()));
            }
        }

        Recipe.Input recipeInput =
                new Recipe.Input(imagePath.getFileName().toString(), inputSha256, input.width(), input.height());
        try (Backend backend = started(starting);
                DreamSession session = backend.open(model, new SessionOptions(bn, arithmetic))) {
            Tiling tiling = tiling(args, input.width(), input.height());
            Nightmare nightmare = new Nightmare(session, tiling);
            err.println("nightmare: reproduce with: " + nightmare.runInfo(options));
            if (!options.reconstruct()) {
                describeTiling(nightmare, session, tiling, options, input)
                        .ifPresent(line -> err.println("nightmare: " + line));
            }
            // The algorithm chosen for a long run is oneDNN's option: not recorded for another backend.
            Map<String, String> recorded =
                    backend.name().equals(WinogradDefault.BACKEND) ? properties : givenProperties;
            Recipe recipe = new Recipe(
                    Recipe.SCHEMA_VERSION,
                    resolved,
                    model.sha256(),
                    firstRound,
                    EngineVersion.get(),
                    backend.name(),
                    recorded.isEmpty() ? null : recorded,
                    arithmetic == ForwardArithmetic.DARKNET ? "darknet" : null,
                    bn == BatchNormGradient.EXACT ? "exact" : null,
                    recipeInput);
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
                    String name = roundName(baseName, result.round());
                    Path image = outDir.resolve(name + "." + format.extension());
                    // The pixels are darknet's bytes; the file also carries the recipe that made them.
                    // Streamed: a poster's round is written without a second copy of it.
                    Map<String, String> text = recipe.withRound(result.round()).imageText();
                    writeAtomically(
                            image, os -> ImageCodec.encode(result.checkpoint().image(), format, text, os));
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
                    if (rerun != null && result.round() == rerun.recipe().round()) {
                        if (progress != null) {
                            progress.beforeStderr();
                        }
                        err.println("nightmare: " + rerun.compare(image, recipe.withRound(result.round())));
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

    /** --tile WxH fixes the tile size; else tiles are sized for --memory-budget (default 1.25 GiB an iteration). */
    private static Tiling tiling(Arguments args, int width, int height) {
        if (args.has("tile")) {
            Matcher m = Pattern.compile("(\\d{1,6})(?:x(\\d{1,6}))?").matcher(args.string("tile", ""));
            if (!m.matches() || Integer.parseInt(m.group(1)) < 1) {
                throw new UsageException("--tile " + args.string("tile", "")
                        + " is not a tile size; expected e.g. 1024x768" + " or 1024");
            }
            int w = Integer.parseInt(m.group(1));
            return Tiling.fixed(w, m.group(2) == null ? w : Math.max(1, Integer.parseInt(m.group(2))));
        }
        return Tiling.withinIteration(args.bytes("memory-budget", Tiling.DEFAULT_ITERATION_BYTES), width, height);
    }

    /**
     * The backend options with the convolution algorithm a long run asks for ({@link
     * WinogradDefault}); {@code given} when the cfg or the image cannot be read here (the reading
     * below reports why).
     */
    private static Map<String, String> longRunProperties(
            Map<String, String> given,
            String backendName,
            ForwardArithmetic arithmetic,
            Path cfg,
            NightmareOptions options,
            byte[] inputBytes,
            Path imagePath,
            Integer maxSide) {
        if (inputBytes == null) {
            return given;
        }
        try {
            ImageCodec.Dimensions probed = ImageCodec.probe(inputBytes, imagePath.toString());
            // A rerun of a service job dreams its input fitted within the job's maxSide, as below.
            int[] size = maxSide == null
                    ? new int[] {probed.width(), probed.height()}
                    : ImageOps.fittedSize(probed.width(), probed.height(), maxSide);
            NetworkSpec spec = NetworkSpec.read(cfg, warning -> {});
            if (!Nightmare.problems(options, spec, size[0], size[1]).isEmpty()) {
                return given;
            }
            return WinogradDefault.forRun(
                    given, backendName, arithmetic == ForwardArithmetic.FAST, spec, options, size[0], size[1]);
        } catch (IOException | RuntimeException e) {
            return given;
        }
    }

    private static byte[] readOrNull(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The tile plan of the run's largest working size, said once: how the image is cut, or why it
     * runs whole though its state exceeds the budget. Empty when it simply fits.
     */
    private static Optional<String> describeTiling(
            Nightmare nightmare, DreamSession session, Tiling tiling, NightmareOptions options, Image input) {
        int deepest = options.layer() + options.range() - 1 - options.range() / 2;
        String size = input.width() + "×" + input.height();
        Optional<TilePlan> plan;
        try {
            plan = nightmare.tilePlan(deepest, input.width(), input.height());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tile: " + e.getMessage());
        }
        if (plan.isPresent()) {
            String budget = tiling.fixedSize()
                    ? "as --tile asks"
                    : "to keep the network's state within " + WorkEstimate.bytesInWords(tiling.budgetBytes())
                            + " beside the image's buffers (--memory-budget)";
            return Optional.of("the " + size + " image is dreamt in "
                    + plan.get().describe() + ", " + budget + "; the result is the untiled one's");
        }
        Optional<String> whyNot = Tiling.whyNotTileable(session, deepest);
        if (tiling.fixedSize()) {
            return whyNot.map(why -> "warning: --tile is not used: " + why);
        }
        long state = Tiling.stateBytes(session, deepest, input.width(), input.height());
        if (state > tiling.budgetBytes()) {
            return whyNot.map(why -> "warning: the " + size + " image's network state (about "
                    + WorkEstimate.bytesInWords(state) + ") exceeds --memory-budget, but it runs whole: " + why);
        }
        return Optional.empty();
    }

    /** The backend {@code starting} makes, or the exception its creation threw. */
    private static Backend started(CompletableFuture<Backend> starting) {
        try {
            return starting.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw e;
        }
    }

    /** The options given on the command line, by their {@link JobOptions} names; null where not given. */
    private static JobOptions given(Arguments args, Integer layer) {
        // darknet's defaults serve only as the example a value that does not parse is told.
        NightmareOptions d = NightmareOptions.builder(0).build();
        JobOptionsBuilder b = new JobOptionsBuilder();
        b.put("layer", layer);
        b.put("rounds", args.has("rounds") ? args.integer("rounds", d.rounds()) : null);
        b.put("iters", args.has("iters") ? args.integer("iters", d.iters()) : null);
        b.put("range", args.has("range") ? args.integer("range", d.range()) : null);
        b.put("octaves", args.has("octaves") ? args.integer("octaves", d.octaves()) : null);
        b.put("rate", args.has("rate") ? args.number("rate", d.rate()) : null);
        b.put("thresh", args.has("thresh") ? args.number("thresh", d.thresh()) : null);
        b.put("zoom", args.has("zoom") ? args.number("zoom", d.zoom()) : null);
        b.put("rotate", args.has("rotate") ? args.number("rotate", d.rotateRadians()) : null);
        b.put("momentum", args.has("momentum") ? args.number("momentum", d.momentum()) : null);
        b.put("norm", args.has("norm") ? args.integer("norm", 1) != 0 : null);
        b.put("reconstruct", args.flag("reconstruct") ? Boolean.TRUE : null);
        b.put("seed", args.has("seed") ? args.longValue("seed", 0) : null);
        b.put("rng", args.has("rng") ? args.string("rng", null) : null);
        b.put("format", args.has("format") ? args.string("format", null) : null);
        return b.build();
    }

    /**
     * The model's name for presets and recipes: the cfg's base name (darknet's {@code basecfg}),
     * with any character a model name may not hold as '_'.
     */
    static String modelName(Path cfg) {
        String name = Model.baseName(cfg.getFileName().toString()).replaceAll("[^A-Za-z0-9._-]", "_");
        if (name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0))) {
            name = "m" + name;
        }
        return name.length() > 64 ? name.substring(0, 64) : name;
    }

    private static String roundName(String baseName, int round) {
        return String.format(Locale.ROOT, "%s_%06d", baseName, round);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
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
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(os);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
