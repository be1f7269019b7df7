package dev.nightmare.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Progress on stderr: round, iteration, percentage and ETA. Redraws one line on a terminal;
 * elsewhere (logs, pipes) prints one line per round so output stays readable.
 *
 * <p>The estimate counts only iterations at a working size (target layer and octave) seen before:
 * the first iteration at each size also prepares it (allocation, primitive creation, JIT warm-up)
 * and took 10–100 times longer, so an estimate from it said minutes for a run of seconds. Until
 * such an iteration exists the ETA shows {@code --:--}.
 */
final class ProgressBar {
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;
    /** Ends the drawn line: back to its start, then clear to its end. */
    static final String CLEAR_LINE = "\r\033[K";

    private final PrintStream err;
    private final boolean terminal;
    private final long total;
    private final int rounds;
    private final int iters;
    private final LongSupplier clock;
    private final long started;
    private final Set<Object> sizes = new HashSet<>();
    private long done;
    private long lastIteration;
    /** Iterations at a size seen before, and their total time: what the estimate is made of. */
    private long steadyIterations;

    private long steadyNanos;
    private long lastDraw;
    /** Whether a progress line is on stderr, not ended by a newline. */
    private boolean drawn;

    ProgressBar(PrintStream err, boolean terminal, int firstRound, int rounds, int iters) {
        this(err, terminal, firstRound, rounds, iters, System::nanoTime);
    }

    ProgressBar(PrintStream err, boolean terminal, int firstRound, int rounds, int iters, LongSupplier clock) {
        this.err = err;
        this.terminal = terminal;
        this.rounds = rounds;
        this.iters = iters;
        this.total = (long) (rounds - firstRound) * iters;
        this.clock = clock;
        this.started = clock.getAsLong();
        this.lastIteration = started;
        this.lastDraw = started - REDRAW_NANOS;
    }

    /**
     * After an iteration; {@code size} identifies its working size (equal for iterations at the
     * same target layer and octave).
     */
    void iteration(int round, int iteration, Object size) {
        long now = clock.getAsLong();
        done++;
        if (!sizes.add(size)) {
            steadyIterations++;
            steadyNanos += now - lastIteration;
        }
        lastIteration = now;
        if (terminal && (now - lastDraw >= REDRAW_NANOS || done == total)) {
            lastDraw = now;
            err.print("\r" + line(round, iteration + 1));
            err.flush();
            drawn = true;
        }
    }

    /**
     * Before a line goes to stdout: when the bar is drawn on a terminal and stdout is a terminal too
     * (the same one), the current line is ended through stdout itself, so the two streams' bytes
     * cannot meet on one line whatever order they arrive in (the launcher may pass stderr through a
     * pipe). On an already empty line this changes nothing.
     */
    void beforeStdout(PrintStream out, boolean stdoutTerminal) {
        if (terminal && stdoutTerminal) {
            out.print(CLEAR_LINE);
        }
    }

    /** Before another line goes to stderr: ends the bar's line there. */
    void beforeStderr() {
        if (drawn) {
            err.print(CLEAR_LINE);
            drawn = false;
        }
    }

    void round(int round, String saved) {
        if (terminal) {
            err.print(CLEAR_LINE);
        }
        err.println("round " + (round + 1) + "/" + rounds + " saved " + saved + "  (" + eta() + ")");
        drawn = false;
    }

    private String line(int round, int iteration) {
        int filled = (int) (WIDTH * done / Math.max(1, total));
        return String.format(
                Locale.ROOT,
                "round %d/%d iter %d/%d [%s%s] %3d%% %s",
                round + 1,
                rounds,
                iteration,
                iters,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                100 * done / Math.max(1, total),
                eta());
    }

    String eta() {
        if (done >= total) {
            return "took " + format(Duration.ofNanos(clock.getAsLong() - started));
        }
        if (steadyIterations == 0) {
            return "ETA --:--";
        }
        return "ETA " + format(Duration.ofNanos(steadyNanos / steadyIterations * (total - done)));
    }

    private static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d.%d", s / 60, s % 60, d.toMillisPart() / 100);
    }
}
