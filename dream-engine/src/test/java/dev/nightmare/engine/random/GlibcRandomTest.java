package dev.nightmare.engine.random;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GlibcRandomTest {
    @Test
    void srandZeroGivesGlibcsFirstOutputs() {
        GlibcRandom rng = new GlibcRandom(0);
        assertThat(new int[] {rng.next(), rng.next(), rng.next(), rng.next(), rng.next()})
                .containsExactly(1804289383, 846930886, 1681692777, 1714636915, 1957747793);
    }

    @Test
    void seedOneEqualsSeedZero() {
        GlibcRandom zero = new GlibcRandom(0);
        GlibcRandom one = new GlibcRandom(1);
        for (int i = 0; i < 100; i++) {
            assertThat(one.next()).isEqualTo(zero.next());
        }
    }

    @Test
    void skipEqualsDrawing() {
        GlibcRandom drawn = new GlibcRandom(42);
        for (int i = 0; i < 12345; i++) {
            drawn.next();
        }
        GlibcRandom skipped = new GlibcRandom(42);
        skipped.skip(12345);
        assertThat(skipped.next()).isEqualTo(drawn.next());
    }

    static Stream<Arguments> cfgSkips() {
        return Stream.of(
                Arguments.of(
                        "vgg-conv", 14_710_464L, new int[] {1502401408, 1010142763, 1788250344, 1322517805, 776130847}),
                Arguments.of(
                        "jnet-conv", 18_866_016L, new int[] {1295411090, 967844996, 1707452010, 1743809230, 1407911382
                        }),
                Arguments.of("tiny", 1_036_720L, new int[] {1011564087, 900724406, 851435673, 219267360, 284511948}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cfgSkips")
    void cfgParsingSkipMatchesRngSpec(String cfg, long kernelWeights, int[] firstAfterSkip) throws IOException {
        NetworkSpec spec = NetworkSpec.read(Shared.models().resolve(cfg + ".cfg"), w -> {});
        assertThat(spec.convolutionalKernelWeights()).isEqualTo(kernelWeights);
        GlibcRandom rng = new GlibcRandom(0);
        rng.skip(2 * ((kernelWeights + 1) / 2));
        for (int expected : firstAfterSkip) {
            assertThat(rng.next()).isEqualTo(expected);
        }
    }

    /** One {@code [dbg]} line of a golden case's draws.txt. */
    record Draw(int layer, float scale, int dx, int dy, boolean flip, int width, int height) {}

    private static final Pattern DRAW = Pattern.compile(
            "\\[dbg] layer=(\\d+) scale=([0-9.]+) dx=(-?\\d+) dy=(-?\\d+) flip=(\\d) imsize=(\\d+)x(\\d+)");
    private static final Pattern OPTION = Pattern.compile("-(\\w+) (\\S+)");

    static Stream<Path> goldenCases() throws IOException {
        return Files.list(Shared.golden()).filter(Files::isDirectory).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void reproducesEveryLoggedDrawOfTheGoldenCases(Path dir) throws IOException {
        String cmd = Files.readString(dir.resolve("cmd.txt")).strip();
        String[] words = cmd.split("\\s+");
        String cfgName = Path.of(words[2]).getFileName().toString();
        int layer = Integer.parseInt(words[5]);
        int range = 1, octaves = 4, iters = 10, rounds = 1;
        Matcher m = OPTION.matcher(cmd);
        while (m.find()) {
            switch (m.group(1)) {
                case "range" -> range = Integer.parseInt(m.group(2));
                case "octaves" -> octaves = Integer.parseInt(m.group(2));
                case "iters" -> iters = Integer.parseInt(m.group(2));
                case "rounds" -> rounds = Integer.parseInt(m.group(2));
                default -> {}
            }
        }
        List<Draw> logged = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("draws.txt"))) {
            Matcher d = DRAW.matcher(line);
            assertThat(d.find()).as(line).isTrue();
            logged.add(new Draw(
                    Integer.parseInt(d.group(1)),
                    Float.parseFloat(d.group(2)),
                    Integer.parseInt(d.group(3)),
                    Integer.parseInt(d.group(4)),
                    d.group(5).equals("1"),
                    Integer.parseInt(d.group(6)),
                    Integer.parseInt(d.group(7))));
        }
        NetworkSpec spec = NetworkSpec.read(Shared.models().resolve(cfgName), w -> {});
        List<Draw> ours = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            // Each round is rebuilt from (seed, round) alone, as a resumed run does.
            DrawSequence draws = DrawSequence.atRound(
                    RandomMode.DARKNET, 0, spec.convolutionalKernelWeights(), layer, range, octaves, iters, round);
            for (int it = 0; it < iters; it++) {
                IterationDraws d = draws.next();
                ours.add(new Draw(d.layer(), d.scale(), d.dx(), d.dy(), d.flip(), (int) (256 * d.scale()), (int)
                        (256 * d.scale())));
            }
        }
        assertThat(ours).containsExactlyElementsOf(logged);
    }

    @Test
    void seededRoundsAreReproducibleAndDistinct() {
        DrawSequence a = DrawSequence.atRound(RandomMode.SEEDED, 99, 0, 5, 3, 4, 10, 2);
        DrawSequence b = DrawSequence.atRound(RandomMode.SEEDED, 99, 0, 5, 3, 4, 10, 2);
        DrawSequence other = DrawSequence.atRound(RandomMode.SEEDED, 99, 0, 5, 3, 4, 10, 3);
        List<IterationDraws> first = new ArrayList<>(), second = new ArrayList<>(), third = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            first.add(a.next());
            second.add(b.next());
            third.add(other.next());
        }
        assertThat(second).isEqualTo(first);
        assertThat(third).isNotEqualTo(first);
        assertThat(first).allSatisfy(d -> {
            assertThat(d.layer()).isBetween(4, 6);
            assertThat(d.octave()).isBetween(0, 3);
            assertThat(d.dx()).isBetween(-8, 7);
            assertThat(d.dy()).isBetween(-8, 7);
        });
    }

    @Test
    void octaveScalesAreDarknetsFloats() {
        assertThat(new IterationDraws(0, 0, 0, 0, false).scale()).isEqualTo(1f);
        assertThat(new IterationDraws(0, 1, 0, 0, false).scale()).isEqualTo(0.75f);
        assertThat(new IterationDraws(0, 2, 0, 0, false).scale()).isEqualTo(0.5625f);
        assertThat(new IterationDraws(0, 3, 0, 0, false).scale()).isEqualTo(0.421875f);
    }
}
