package dev.nightmare.engine.dream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.reference.ReferenceBackend;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.testing.Shared;
import java.util.ArrayList;
import java.util.List;
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
        assertThat(Nightmare.problems(NightmareOptions.builder(12).octaves(20).build(), spec, 40, 40))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.option()).isEqualTo("octaves");
                    assertThat(p.getMessage()).contains("use a larger image or fewer octaves");
                });
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(0).reconstruct(true).build(), spec, 96, 72))
                .singleElement()
                .satisfies(p -> assertThat(p.option()).isEqualTo("layer"));
        assertThat(Nightmare.problems(
                        NightmareOptions.builder(12).range(3).octaves(4).build(), spec, 96, 72))
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
