package dev.nightmare.engine.dream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.reference.ReferenceBackend;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.testing.Shared;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Whole runs on the real tiny model: resume, determinism, cancellation, reconstruct, option checks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NightmareRunTest {
    private Backend backend;
    private DreamSession session;
    private Image input;

    @BeforeAll
    void open() throws Exception {
        Model tiny =
                Model.load(Shared.models().resolve("tiny.cfg"), Shared.models().resolve("tiny.weights"), w -> {});
        backend = new ReferenceBackend(2);
        session = backend.open(tiny, SessionOptions.DEFAULT);
        input = ImageOps.resize(ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1 << 20), 96, 72);
    }

    @AfterAll
    void close() {
        session.close();
        backend.close();
    }

    private List<Checkpoint> run(NightmareOptions options, Checkpoint resume) throws Exception {
        List<Checkpoint> rounds = new ArrayList<>();
        new Nightmare(session).run(input, options, resume, r -> rounds.add(r.checkpoint()));
        return rounds;
    }

    static Stream<Arguments> modes() {
        return Stream.of(
                Arguments.of(NightmareOptions.builder(7)
                        .rounds(3)
                        .iters(2)
                        .range(3)
                        .zoom(0.9f)
                        .rotate(0.1f)
                        .random(RandomMode.SEEDED, 1234)
                        .build()),
                Arguments.of(NightmareOptions.builder(7)
                        .rounds(3)
                        .iters(2)
                        .zoom(1.1f)
                        .random(RandomMode.DARKNET, 0)
                        .build()),
                Arguments.of(NightmareOptions.builder(5)
                        .rounds(3)
                        .iters(2)
                        .reconstruct(true)
                        .zoom(0.95f)
                        .random(RandomMode.SEEDED, 1)
                        .build()));
    }

    @ParameterizedTest
    @MethodSource("modes")
    void resumingFromRoundZerosCheckpointReproducesLaterRoundsBitExactly(NightmareOptions options) throws Exception {
        List<Checkpoint> whole = run(options, null);
        assertThat(whole).extracting(Checkpoint::round).containsExactly(0, 1, 2);
        // Through the lossless file format, as a worker resumes a crashed job.
        Image stored = FloatImageFile.decode(FloatImageFile.encode(whole.get(0).toFloatImage()), "round-000000.f32");
        List<Checkpoint> resumed = run(options, Checkpoint.fromFloatImage(0, stored));
        assertThat(resumed).extracting(Checkpoint::round).containsExactly(1, 2);
        for (int i = 0; i < 2; i++) {
            assertThat(resumed.get(i).image().data())
                    .isEqualTo(whole.get(i + 1).image().data());
        }
        assertThat(whole.get(2).image().sameAs(whole.get(0).image()))
                .as("rounds change the image")
                .isFalse();
    }

    @Test
    void twoIdenticalRunsAreBitIdentical() throws Exception {
        NightmareOptions options = NightmareOptions.builder(12)
                .iters(3)
                .random(RandomMode.SEEDED, 77)
                .build();
        assertThat(run(options, null).getFirst().image().data())
                .isEqualTo(run(options, null).getFirst().image().data());
    }

    @Test
    void cancellationStopsBeforeTheNextIteration() {
        int[] iterations = {0};
        assertThatThrownBy(() -> new Nightmare(session)
                        .run(input, NightmareOptions.builder(7).iters(5).build(), null, new DreamListener() {
                            @Override
                            public void onIteration(
                                    int round, int iteration, dev.nightmare.engine.random.IterationDraws d) {
                                iterations[0]++;
                            }

                            @Override
                            public void onRound(RoundResult round) {}

                            @Override
                            public boolean cancelled() {
                                return iterations[0] == 2;
                            }
                        }))
                .isInstanceOf(CancelledException.class);
        assertThat(iterations[0]).isEqualTo(2);
    }

    @Test
    void uniformImageSkipsStepsInsteadOfProducingNaN() throws Exception {
        Image grey = Image.blank(64, 48, 3);
        java.util.Arrays.fill(grey.data(), 0.5f);
        List<RoundResult> rounds = new ArrayList<>();
        // A black-and-white flat image gives a zero gradient at a dead layer; std 0 must skip, not divide.
        new Nightmare(session)
                .run(grey, NightmareOptions.builder(0).iters(2).thresh(1000f).build(), null, rounds::add);
        assertThat(rounds.getFirst().stats().skippedSteps()).isEqualTo(2);
        assertThat(rounds.getFirst().checkpoint().image().data()).isEqualTo(grey.data());
    }

    @Test
    void optionProblemsNameTheOptionAndWhatWouldBeRight() {
        var spec = session.model().spec();
        assertThat(Nightmare.problems(NightmareOptions.builder(40).build(), spec, 96, 72))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.option()).isEqualTo("layer");
                    assertThat(p.getMessage()).contains("layer 40 is outside").contains("0..21");
                });
        assertThat(Nightmare.problems(NightmareOptions.builder(21).range(3).build(), spec, 96, 72))
                .singleElement()
                .satisfies(p -> assertThat(p.option()).isEqualTo("range"));
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(7)
                                .rounds(0)
                                .iters(-1)
                                .rate(Float.NaN)
                                .zoom(0)
                                .build(),
                        spec,
                        96,
                        72))
                .extracting(OptionException::option)
                .containsExactlyInAnyOrder("rounds", "iters", "rate", "zoom");
        assertThat(Nightmare.problems(NightmareOptions.builder(-1).build(), spec, 96, 72))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.option()).isEqualTo("layer");
                    assertThat(p.getMessage())
                            .isEqualTo("layer -1 is outside " + spec.source() + "'s targetable layers 0..21");
                });
        assertThat(Nightmare.problems(NightmareOptions.builder(-1).rounds(0).build(), spec, 96, 72))
                .extracting(OptionException::option)
                .containsExactlyInAnyOrder("layer", "rounds");
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(0).reconstruct(true).build(), spec, 96, 72))
                .singleElement()
                .satisfies(p -> assertThat(p.option()).isEqualTo("layer"));
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(12).range(3).octaves(4).build(), spec, 96, 72))
                .isEmpty();
    }

    /** The first problem's option and message, for options that have exactly one. */
    private static OptionException onlyProblem(NightmareOptions options, NetworkSpec spec, int width, int height) {
        List<OptionException> problems = Nightmare.problems(options, spec, width, height);
        assertThat(problems).hasSize(1);
        return problems.getFirst();
    }

    private static int[] size(String message, String before) {
        Matcher m = Pattern.compile(Pattern.quote(before) + "(\\d+)×(\\d+)").matcher(message);
        assertThat(m.find()).as(message).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    @Test
    void tooManyOctavesForTheImageNameTheMostThatWorkAndTheImageSizeTheyNeed() {
        var spec = session.model().spec();
        OptionException p = onlyProblem(NightmareOptions.builder(12).octaves(30).build(), spec, 256, 256);
        assertThat(p.option()).isEqualTo("octaves");
        Matcher most = Pattern.compile("use octaves (\\d+) or fewer").matcher(p.getMessage());
        assertThat(most.find()).as(p.getMessage()).isTrue();
        int octaves = Integer.parseInt(most.group(1));
        assertThat(p.getMessage())
                .startsWith("octaves 30 is too many for a 256×256 image: octave " + octaves + " (scale 1/1.33333333^"
                        + octaves + ") shrinks it to 0×0, smaller than the 1×1 input layer 12 needs");
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(12).octaves(octaves).build(), spec, 256, 256))
                .as("the most octaves that work")
                .isEmpty();
        int[] larger = size(p.getMessage(), "or an image of at least ");
        assertThat(Nightmare.problems(NightmareOptions.builder(12).octaves(30).build(), spec, larger[0], larger[1]))
                .as("the image size that works with octaves 30")
                .isEmpty();
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(12).octaves(30).build(), spec, larger[0] - 1, larger[1] - 1))
                .isNotEmpty();

        // The gateway's case: a 2×2 image with darknet's 4 octaves.
        assertThat(onlyProblem(NightmareOptions.builder(5).build(), spec, 2, 2).getMessage())
                .contains("octave 3 (scale 1/1.33333333^3) shrinks it to 0×0")
                .contains("use octaves 3 or fewer, or an image of at least 3×3");
    }

    @Test
    void anImageTooSmallForTheLayerNamesTheSmallestThatWorks() {
        NetworkSpec strided =
                NetworkSpec.parse("strided.cfg", dev.nightmare.engine.testing.TestModels.STRIDED, w -> {});
        OptionException p = onlyProblem(NightmareOptions.builder(3).octaves(1).build(), strided, 9, 6);
        assertThat(p.option()).isEqualTo("image");
        assertThat(p.getMessage())
                .startsWith("the 9×6 image is smaller than the ")
                .contains(" input layer 3 needs");
        int[] smallest = size(p.getMessage(), "use an image of at least ");
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(3).octaves(1).build(), strided, smallest[0], smallest[1]))
                .isEmpty();
        assertThat((double) smallest[0] / smallest[1])
                .as("the image's aspect ratio")
                .isCloseTo(1.5, within(0.1));

        OptionException withOctaves = onlyProblem(NightmareOptions.builder(3).build(), strided, 9, 6);
        int[] forFour = size(withOctaves.getMessage(), "use an image of at least ");
        assertThat(withOctaves.getMessage()).contains("(or " + smallest[0] + "×" + smallest[1] + " with octaves 1)");
        assertThat(Nightmare.problems(NightmareOptions.builder(3).build(), strided, forFour[0], forFour[1]))
                .isEmpty();
    }

    @Test
    void runInfoSaysWhatReproducesTheRun() {
        RunInfo info = new Nightmare(session)
                .runInfo(NightmareOptions.builder(7)
                        .random(RandomMode.SEEDED, 42)
                        .build());
        assertThat(info.seed()).isEqualTo(42);
        assertThat(info.backend()).isEqualTo("reference");
        assertThat(info.modelSha256()).isEqualTo(session.model().sha256());
        assertThat(info.engineVersion()).isNotBlank().isNotEqualTo("unknown");
    }
}
