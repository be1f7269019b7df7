package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private static final long SECOND = 1_000_000_000L;

    /** A clock the test moves. */
    private long now = 5 * SECOND;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private ProgressBar bar(boolean terminal, int rounds, int iters) {
        return new ProgressBar(err, terminal, 0, rounds, iters, () -> now);
    }

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The last drawn line's ETA. */
    private String lastEta() {
        String t = text();
        return t.substring(t.lastIndexOf('%') + 2);
    }

    @Test
    void noEstimateUntilAnIterationRanAtASizeSeenBeforeAndThenOnlyFromThose() {
        ProgressBar bar = bar(true, 1, 10);
        now += 20 * SECOND; // the first iteration prepares its size: not a measure of the rest
        bar.iteration(0, 0, "octave 0");
        assertThat(lastEta()).isEqualTo("ETA --:--");
        now += 9 * SECOND; // a second new size
        bar.iteration(0, 1, "octave 1");
        assertThat(lastEta()).isEqualTo("ETA --:--");
        now += 2 * SECOND;
        bar.iteration(0, 2, "octave 0");
        assertThat(lastEta()).as("2 s × 7 iterations left").isEqualTo("ETA 0:14.0");
        now += SECOND;
        bar.iteration(0, 3, "octave 1");
        assertThat(lastEta()).as("1.5 s × 6").isEqualTo("ETA 0:09.0");
        for (int it = 4; it < 10; it++) {
            now += SECOND;
            bar.iteration(0, it, "octave 0");
        }
        assertThat(lastEta()).isEqualTo("took 0:38.0");
    }

    @Test
    void elsewhereThanATerminalOnlyRoundLinesArePrinted() {
        ProgressBar bar = bar(false, 2, 2);
        for (int it = 0; it < 2; it++) {
            now += SECOND;
            bar.iteration(0, it, "size");
        }
        bar.round(0, "out_000000.jpg");
        assertThat(text()).isEqualTo("round 1/2 saved out_000000.jpg  (ETA 0:02.0)" + System.lineSeparator());
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        bar.beforeStdout(new PrintStream(stdout), true);
        assertThat(stdout.toByteArray()).as("no bar on a terminal").isEmpty();
    }

    @Test
    void theStdoutLineNeverSharesATerminalLineWithTheBar() {
        // stdout and stderr on one terminal: one stream, as the terminal shows them.
        PrintStream both = err;
        ProgressBar bar = bar(true, 1, 3);
        for (int it = 0; it < 3; it++) {
            now += SECOND;
            bar.iteration(0, it, "size");
        }
        bar.beforeStdout(both, true);
        both.println("0 scream_tiny_10_000000");
        bar.round(0, "scream_tiny_10_000000.jpg");
        assertThat(rendered(text()))
                .containsExactly("0 scream_tiny_10_000000", "round 1/1 saved scream_tiny_10_000000.jpg  (took 0:03.0)");
    }

    @Test
    void stdoutEndsTheLineOnlyWhenBothAreTerminals() {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
        bar(false, 1, 2).beforeStdout(out, true);
        bar(true, 1, 2).beforeStdout(out, false);
        assertThat(stdout.toByteArray()).isEmpty();
        bar(true, 1, 2).beforeStdout(out, true);
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo(ProgressBar.CLEAR_LINE);
    }

    @Test
    void anotherStderrLineStartsOnALineOfItsOwn() {
        ProgressBar bar = bar(true, 1, 2);
        bar.beforeStderr();
        assertThat(text()).as("nothing drawn, nothing to end").isEmpty();
        now += SECOND;
        bar.iteration(0, 0, "size");
        bar.beforeStderr();
        err.println("nightmare: round 0: 1 step(s) skipped");
        assertThat(rendered(text())).containsExactly("nightmare: round 0: 1 step(s) skipped");
    }

    /** The lines a terminal shows for {@code text}: a carriage return moves to column 0, ESC[K clears to the end. */
    static List<String> rendered(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int column = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                lines.add(line.toString());
                line.setLength(0);
                column = 0;
            } else if (c == '\r') {
                column = 0;
            } else if (text.startsWith("\033[K", i)) {
                line.setLength(column);
                i += 2;
            } else {
                if (column < line.length()) {
                    line.setCharAt(column, c);
                } else {
                    line.append(c);
                }
                column++;
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines.stream().map(l -> l.replace(System.lineSeparator(), "")).toList();
    }
}
