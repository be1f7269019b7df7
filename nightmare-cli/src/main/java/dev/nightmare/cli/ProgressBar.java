package dev.nightmare.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Progress on stderr: round, iteration, percentage and ETA. Redraws one line on a terminal;
 * elsewhere (logs, pipes) prints one line per round so output stays readable.
 */
final class ProgressBar {
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final long total;
    private final int rounds;
    private final int iters;
    private final long started = System.nanoTime();
    private long done;
    private long lastDraw;

    ProgressBar(PrintStream err, boolean terminal, int firstRound, int rounds, int iters) {
        this.err = err;
        this.terminal = terminal;
        this.rounds = rounds;
        this.iters = iters;
        this.total = (long) (rounds - firstRound) * iters;
    }

    void iteration(int round, int iteration) {
        done++;
        long now = System.nanoTime();
        if (terminal && (now - lastDraw > 100_000_000L || done == total)) {
            lastDraw = now;
            err.print("\r" + line(round, iteration + 1));
            err.flush();
        }
    }

    void round(int round, String saved) {
        if (terminal) {
            err.print("\r\033[K");
        }
        err.println("round " + (round + 1) + "/" + rounds + " saved " + saved + "  (" + eta() + ")");
    }

    private String line(int round, int iteration) {
        int filled = (int) (WIDTH * done / Math.max(1, total));
        return String.format(
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

    private String eta() {
        long elapsed = System.nanoTime() - started;
        if (done == 0) {
            return "ETA --:--";
        }
        long remaining = elapsed / done * (total - done);
        return done == total
                ? "took " + format(Duration.ofNanos(elapsed))
                : "ETA " + format(Duration.ofNanos(remaining));
    }

    private static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 3600
                ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d.%d", s / 60, s % 60, d.toMillisPart() / 100);
    }
}
