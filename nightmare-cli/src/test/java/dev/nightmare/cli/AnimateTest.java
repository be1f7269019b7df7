package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.video.testing.FfProbe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --animate}, {@code --fps}, {@code --interpolate} and {@code nightmare animate}, in process on the tiny model. */
class AnimateTest {
    @TempDir
    Path dir;

    private Path out;
    private Path image;

    record Result(int status, String stdout, String stderr) {}

    private static Result run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int status = Main.run(
                args,
                new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8),
                Main.Terminals.NONE);
        return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void smallInput() throws IOException {
        out = Files.createDirectory(dir.resolve("out"));
        Image dog = ImageOps.resize(ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1 << 20), 80, 60);
        image = dir.resolve("dog.png");
        Files.write(image, ImageCodec.encode(dog, ImageCodec.Format.PNG));
    }

    /** Tiny Darknet at layer 7, one iteration a round, zooming in, plus {@code extra}. */
    private String[] dream(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                Shared.models().resolve("tiny.cfg").toString(),
                Shared.models().resolve("tiny.weights").toString(),
                image.toString(),
                "7",
                "-prefix",
                out.toString(),
                "-iters",
                "1",
                "-zoom",
                "0.95",
                "--seed",
                "11",
                "--backend",
                "reference",
                "--no-progress"));
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    private List<String> outputs() throws IOException {
        try (Stream<Path> files = Files.list(out)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void animateWritesEveryRoundAndTheFramesBetweenAsH264() throws Exception {
        FfProbe.assumePresent();
        Path video = dir.resolve("dream.mp4");
        Result r = run(dream("-rounds", "4", "--animate", video.toString(), "--fps", "12", "--interpolate", "2"));
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("nightmare: animation " + video + ": 4 rounds, 10 frames, 0.83 s at 12 fps");
        // stdout stays darknet's: one line per round.
        assertThat(r.stdout().lines()).hasSize(4);
        FfProbe.Stream s = FfProbe.probe(video);
        assertThat(s.codec()).isEqualTo("h264");
        assertThat(s.profile()).isEqualTo("Constrained Baseline");
        assertThat(s.width()).isEqualTo(80);
        assertThat(s.height()).isEqualTo(60);
        assertThat(s.frames()).isEqualTo(4 + 3 * 2);
        assertThat(s.frameRate()).isEqualTo("12/1");
        assertThat(s.seconds()).isCloseTo(10 / 12.0, within(0.02));
        assertThat(outputs()).hasSize(4).allMatch(name -> name.endsWith(".jpg"));
        try (Stream<Path> hidden = Files.list(dir)) {
            assertThat(hidden.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void animateAsGifKeepsTheFpsInHundredths() throws Exception {
        FfProbe.assumePresent();
        Path video = dir.resolve("dream.gif");
        Result r = run(dream("-rounds", "3", "--animate", video.toString(), "--fps", "8"));
        assertThat(r.status()).as(r.stderr()).isZero();
        FfProbe.Stream s = FfProbe.probe(video);
        assertThat(s.codec()).isEqualTo("gif");
        assertThat(s.frames()).isEqualTo(3);
        assertThat(s.seconds()).isCloseTo(3 / 8.0, within(0.011));
    }

    @Test
    void aResumedRunsVideoIsTheUninterruptedRunsFrameForFrame() throws Exception {
        FfProbe.assumePresent();
        Path whole = dir.resolve("whole.mp4");
        Result first = run(dream("-rounds", "4", "--checkpoints", "--animate", whole.toString(), "--interpolate", "1"));
        assertThat(first.status()).as(first.stderr()).isZero();
        // Killed after round 1: rounds 2 and 3 are gone, round 1's checkpoint is kept.
        Path checkpoint = dir.resolve("dog_tiny_7_000001.f32");
        Files.move(out.resolve("dog_tiny_7_000001.f32"), checkpoint);
        Files.delete(out.resolve("dog_tiny_7_000002.jpg"));
        Files.delete(out.resolve("dog_tiny_7_000003.jpg"));
        Path resumed = dir.resolve("resumed.mp4");
        Result second = run(dream(
                "-rounds",
                "4",
                "--resume",
                checkpoint.toString(),
                "--animate",
                resumed.toString(),
                "--interpolate",
                "1"));
        assertThat(second.status()).as(second.stderr()).isZero();
        assertThat(second.stdout().lines()).hasSize(2);
        assertThat(second.stderr()).contains("4 rounds, 7 frames");
        List<String> expected = FfProbe.frameHashes(whole);
        assertThat(expected).hasSize(7);
        assertThat(FfProbe.frameHashes(resumed)).isEqualTo(expected);
    }

    @Test
    void animateAgainRemakesTheVideoFromRoundFiles() throws Exception {
        FfProbe.assumePresent();
        Path video = dir.resolve("first.mp4");
        assertThat(run(dream("-rounds", "3", "--animate", video.toString(), "--fps", "6"))
                        .status())
                .isZero();
        List<String> rounds;
        try (Stream<Path> files = Files.list(out)) {
            rounds = files.map(Path::toString).sorted().toList();
        }
        Path again = dir.resolve("again.mp4");
        List<String> args = new ArrayList<>(List.of("animate", again.toString()));
        args.addAll(rounds);
        args.addAll(List.of("--fps", "6"));
        Result r = run(args.toArray(String[]::new));
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains(again + ": 3 rounds, 3 frames, 0.50 s at 6 fps");
        assertThat(FfProbe.frameHashes(again)).isEqualTo(FfProbe.frameHashes(video));
        Path slower = dir.resolve("slower.gif");
        args.set(1, slower.toString());
        args.addAll(List.of("--interpolate", "3", "-zoom", "0.95"));
        assertThat(run(args.toArray(String[]::new)).status()).isZero();
        assertThat(FfProbe.probe(slower).frames()).isEqualTo(3 + 2 * 3);
    }

    @Test
    void badAnimateOptionsAreRefusedBeforeAnythingRuns() throws IOException {
        String[][] cases = {
            {"--animate", dir.resolve("x.webp").toString()},
            {"--animate", dir.resolve("x.avi").toString()},
            {"--animate", dir.resolve("no-such-dir/x.mp4").toString()},
            {"--fps", "24"},
            {"--interpolate", "2"},
            {"--animate", dir.resolve("x.mp4").toString(), "--fps", "0"},
            {"--animate", dir.resolve("x.gif").toString(), "--fps", "60"},
            {"--animate", dir.resolve("x.mp4").toString(), "--interpolate", "-1"},
            {"--animate", dir.resolve("x.mp4").toString(), "--fps", "2.5"},
        };
        String[] said = {
            "WebP is not supported",
            "expected mp4 or gif",
            "not a writable directory",
            "give --animate",
            "give --animate",
            "1 to 60",
            "1 to 50",
            "interpolate is -1",
            "2.5"
        };
        for (int i = 0; i < cases.length; i++) {
            Result r = run(dream(cases[i]));
            assertThat(r.status())
                    .as(String.join(" ", cases[i]) + ": " + r.stderr())
                    .isEqualTo(2);
            assertThat(r.stderr())
                    .as(String.join(" ", cases[i]))
                    .contains("nightmare: error: ")
                    .contains(said[i]);
            assertThat(outputs()).as("nothing written").isEmpty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("out", "dog.png");
        }
    }
}
