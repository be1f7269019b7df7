package dev.nightmare.cli;

import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.backend.BackendUnavailableException;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.dream.CancelledException;
import dev.nightmare.engine.dream.EngineVersion;
import dev.nightmare.engine.dream.NonFiniteImageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;

/**
 * The {@code nightmare} command line. Exit status: 0 success, 1 the run failed, 2 bad input (a
 * one-line error on stderr says what was wrong and what would be right; nothing is written).
 */
public final class Main {
    static final String USAGE = """
            usage: nightmare CFG WEIGHTS IMAGE LAYER [options]     dream, as darknet's nightmare
                   nightmare CFG WEIGHTS IMAGE [LAYER] --preset NAME [options]   dream a named recipe
                   nightmare --recipe-from OUTPUT [CFG WEIGHTS IMAGE] [options]  rerun what made an output
                   nightmare presets [MODEL]                       the presets and the layers worth dreaming on
                   nightmare synth-weights CFG OUT [--seed N]      deterministic synthetic weights
                   nightmare bench --cfg CFG [--weights W] [--sizes 256,512] [--layers 10]
                                   [--backend B] [--threads N] [--iters 7] [--warmup 2]
                   nightmare backends                              list backends and whether they run here
                   nightmare pattern OUT.png [--size 256]          a test pattern to dream on
                   nightmare animate OUT.mp4|OUT.gif ROUND... [--fps 24] [--interpolate 0] [-zoom Z] [-rotate R]
                                                                   a video again from round images
                   nightmare --version

            darknet options (single or double dash):
              -rounds N (1)  -iters N (10)  -range N (1)  -octaves N (4)  -rate F (0.04)  -thresh F (1)
              -zoom F (1)  -rotate RADIANS (0)  -norm 0|1 (1)  -prefix DIR  -reconstruct  -momentum F (0.9)
              -lambda, -smooth: accepted and unused, as in darknet
            nightmare options:
              --preset NAME         the model's named recipe (nightmare presets lists them); options given win
              --recipe-from OUTPUT  rerun the recipe an output carries (its options, seed, backend); options given
                                    win; without CFG WEIGHTS IMAGE they are found by the recipe's names in ., models/
                                    or beside OUTPUT; the cfg and weights must be the recipe's model version
              --backend auto|NAME   compute backend (auto: best available)
              --backend-options K=V,...   backend settings, e.g. onednn.winograd=off, cuda.tf32=true
              --rng seeded|darknet  random draws: a seeded modern generator, or darknet's glibc rand() exactly
              --seed N              the seed (seeded mode: random and reported when omitted; darknet mode: 0)
              --format jpg|png      output format (jpg: quality 80 as darknet); every output carries its recipe
                                    (a PNG text chunk or JPEG comment, nightmare-recipe), the pixels are darknet's
              --threads N           CPU threads (default: all cores)
              --checkpoints         also write each round as a lossless .f32 checkpoint
              --resume FILE.f32     continue a run after the round that checkpoint holds
              --animate FILE        also the rounds as a video, FILE.mp4 (H.264) or FILE.gif, written as they finish
              --fps N               the video's frames per second (24)
              --interpolate N       frames made between two rounds, following -zoom and -rotate (0)
              --bn-gradient darknet|exact   batch-norm backward formula (darknet's by default)
              --arithmetic fast|darknet     forward rounding: fastest, or darknet's own order (slower; with
                                    --rng darknet it reproduces darknet's images to its own tolerances)
              --max-pixels N        refuse larger input images (default 40000000)
              --memory-budget SIZE  what one iteration may hold, image buffers and network (default 1.25G); larger
                                    images are dreamt in exact tiles (the untiled result), the plan printed once
              --tile WxH            a fixed tile size instead (e.g. 1024x768)
              --no-progress         no progress bar on stderr
              --verbose             also the notes: the cfg's unused [net] settings, why a backend was passed
                                    over, the JVM's incubator-module warning
            """;

    /** Which of the standard streams are terminals: the progress bar redraws only on one. */
    record Terminals(boolean stdout, boolean stderr) {
        static final Terminals NONE = new Terminals(false, false);

        /**
         * stdout: a console exists (stdin and stdout are terminals). stderr: as {@code bin/nightmare}
         * found it before it may have passed stderr through a filter ({@code
         * NIGHTMARE_STDERR_TERMINAL=1} or {@code 0}); without the launcher, as stdout.
         */
        static Terminals ofProcess() {
            boolean stdout = System.console() != null;
            String stderr = System.getenv("NIGHTMARE_STDERR_TERMINAL");
            return new Terminals(stdout, stderr == null ? stdout : stderr.equals("1"));
        }
    }

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, Terminals.ofProcess()));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Terminals terminals) {
        try {
            if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
                (args.length == 0 ? err : out).print(USAGE + "\n" + PresetsCommand.summary());
                return args.length == 0 ? 2 : 0;
            }
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            return switch (args[0]) {
                case "--version" -> {
                    out.println("nightmare " + EngineVersion.get());
                    yield 0;
                }
                case "synth-weights" -> new SynthWeightsCommand(out).run(rest);
                case "bench" -> new BenchCommand(out, err).run(rest);
                case "backends" -> backends(out);
                case "pattern" -> new PatternCommand(out).run(rest);
                case "presets" -> new PresetsCommand(out).run(rest);
                case "animate" -> new AnimateCommand(out).run(rest);
                default -> new NightmareCommand(out, err, terminals).run(args);
            };
        } catch (UsageException | IllegalArgumentException | BackendUnavailableException e) {
            // Bad input: cfg, weights, image, option or backend errors all say what would be right.
            err.println("nightmare: error: " + e.getMessage());
            return 2;
        } catch (NoSuchFileException e) {
            err.println("nightmare: error: " + e.getFile() + " does not exist");
            return 2;
        } catch (CancelledException e) {
            err.println("nightmare: " + e.getMessage());
            return 130;
        } catch (NonFiniteImageException | IOException e) {
            err.println("nightmare: error: " + e.getMessage());
            return 1;
        } catch (Exception | OutOfMemoryError e) {
            err.println("nightmare: error: " + e);
            return 1;
        }
    }

    private static int backends(PrintStream out) {
        for (BackendProvider p : Backends.discover().providers()) {
            out.println(p.name() + " (priority " + p.priority() + "): "
                    + p.unavailableReason().map(r -> "unavailable: " + r).orElse("available"));
        }
        return 0;
    }
}
