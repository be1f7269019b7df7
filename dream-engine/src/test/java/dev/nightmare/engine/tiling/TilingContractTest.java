package dev.nightmare.engine.tiling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.testing.Compare;
import dev.nightmare.engine.testing.TestImages;
import dev.nightmare.engine.testing.TestModels;
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

/**
 * Exact tiling, as every backend must give it: one tiled iteration equals the untiled one up to
 * float summation order (mean |diff| ≤ 1e-5, max ≤ 1e-3), at every octave, with jitter in both
 * directions and flip, tiles that do not divide the image, and networks whose receptive fields are
 * asymmetric (a 3×3/2 maxpool, unpadded and over-padded convolutions, strides); ten iterations stay
 * within the golden tolerances of shared/golden/README.md. A backend's module subclasses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TilingContractTest {
    /** vgg-conv's pattern in small: 3×3 convs, 2×2 maxpools, a strided batch-normalised conv. */
    static final String VGG_LIKE = """
            [net]
            channels=3
            [convolutional]
            filters=6
            size=3
            stride=1
            pad=1
            activation=relu
            [convolutional]
            filters=8
            size=3
            stride=1
            pad=1
            activation=relu
            [maxpool]
            size=2
            stride=2
            [convolutional]
            batch_normalize=1
            filters=10
            size=3
            stride=2
            pad=1
            activation=leaky
            [maxpool]
            size=2
            stride=2
            [convolutional]
            filters=12
            size=3
            stride=1
            pad=1
            activation=relu
            """;

    protected abstract Backend createBackend();

    private Backend backend;
    private final List<DreamSession> sessions = new ArrayList<>();

    @BeforeAll
    void open() {
        backend = createBackend();
    }

    @AfterAll
    void close() {
        sessions.forEach(DreamSession::close);
        if (backend != null) {
            backend.close();
        }
    }

    private DreamSession session(String cfg, BatchNormGradient batchNorm) {
        Model model = TestModels.model(cfg, 7);
        DreamSession session = backend.open(model, new SessionOptions(batchNorm));
        sessions.add(session);
        return session;
    }

    /** (cfg, target layer, image width, height, tile width, height): tiles that do not divide the image. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("VGG_LIKE", 5, 203, 157, 90, 77),
                Arguments.of("VGG_LIKE", 4, 150, 97, 61, 50),
                Arguments.of("VGG_LIKE", 1, 71, 53, 23, 19),
                Arguments.of("STRIDED", 3, 181, 140, 101, 88),
                Arguments.of("STRIDED", 2, 131, 99, 60, 55));
    }

    private static String cfg(String name) {
        return name.equals("VGG_LIKE") ? VGG_LIKE : TestModels.STRIDED;
    }

    private static final Jitter[] JITTERS = {new Jitter(0, 0, false), new Jitter(-8, 5, true), new Jitter(7, -8, false)
    };

    @ParameterizedTest(name = "{0} layer {1}, {2}×{3} in tiles of {4}×{5}")
    @MethodSource("cases")
    void oneTiledIterationEqualsTheWholeOne(String name, int layer, int width, int height, int tileW, int tileH) {
        DreamSession session = session(cfg(name), BatchNormGradient.EXACT);
        Image input = TestImages.noise(width, height, 11);
        int octaves = 0;
        for (int octave = 0; octave < 4; octave++) {
            float scale = new IterationDraws(0, octave, 0, 0, false).scale();
            int ws = (int) (width * scale), hs = (int) (height * scale);
            Tiling tiling = Tiling.fixed(tileW, tileH);
            if (tiling.plan(session, layer, ws, hs).isEmpty()) {
                continue; // this octave's working size fits in one tile
            }
            octaves++;
            TilePlan plan = tiling.plan(session, layer, ws, hs).orElseThrow();
            for (Jitter jitter : JITTERS) {
                float[] whole = iterate(session, input, t -> {
                    session.optimize(t[0], t[1], session.stack(layer, ws, hs), jitter, 0.5f, 0.04f, true);
                });
                float[] tiled = iterate(session, input, t -> {
                    try (TiledIteration iteration = new TiledIteration(session, tiling)) {
                        iteration.optimize(t[0], t[1], layer, plan, jitter, 0.5f, 0.04f, true);
                    }
                });
                Compare c = Compare.of(whole, tiled);
                assertThat(c.meanAbs())
                        .as("octave %d, %s, %s: %s", octave, jitter, plan.describe(), c)
                        .isLessThanOrEqualTo(1e-5);
                assertThat(c.maxAbs())
                        .as("octave %d, %s, %s: %s", octave, jitter, plan.describe(), c)
                        .isLessThanOrEqualTo(1e-3);
                // The step moved the image: the comparison is not between two unchanged copies.
                assertThat(Compare.of(input.data(), tiled).meanAbs()).isGreaterThan(1e-3);
            }
        }
        assertThat(octaves).as("octaves that ran in more than one tile").isGreaterThanOrEqualTo(2);
    }

    @Test
    void theLayersOfARangeShareTheDeepestLayersTilesExactly() {
        DreamSession session = session(VGG_LIKE, BatchNormGradient.EXACT);
        Image input = TestImages.noise(203, 157, 13);
        Tiling tiling = Tiling.fixed(90, 77);
        TilePlan deepest = tiling.plan(session, 5, 203, 157).orElseThrow();
        for (int layer : new int[] {2, 4}) {
            TilePlan shared = tiling.plan(session, layer, 5, 203, 157).orElseThrow();
            assertThat(shared.tiles())
                    .extracting(t -> List.of(t.x(), t.y(), t.width(), t.height()))
                    .as("the same tiles as the deepest layer's")
                    .isEqualTo(deepest.tiles().stream()
                            .map(t -> List.of(t.x(), t.y(), t.width(), t.height()))
                            .toList());
            Jitter jitter = new Jitter(-3, 6, true);
            float[] whole = iterate(
                    session,
                    input,
                    t -> session.optimize(t[0], t[1], session.stack(layer, 203, 157), jitter, 0.5f, 0.04f, true));
            float[] tiled = iterate(session, input, t -> {
                try (TiledIteration iteration = new TiledIteration(session, tiling)) {
                    iteration.optimize(t[0], t[1], layer, shared, jitter, 0.5f, 0.04f, true);
                }
            });
            Compare c = Compare.of(whole, tiled);
            assertThat(c.meanAbs()).as("layer %d: %s", layer, c).isLessThanOrEqualTo(1e-5);
            assertThat(c.maxAbs()).as("layer %d: %s", layer, c).isLessThanOrEqualTo(1e-3);
        }
    }

    /**
     * A backend that keeps tiles' backward states gives the bits of forwarding each tile again,
     * and forwards none again; one that keeps none forwards every tile but the last twice.
     */
    @ParameterizedTest(name = "{0} layer {1}, {2}×{3} in tiles of {4}×{5}")
    @MethodSource("cases")
    void keptBackwardStatesGiveTheBitsOfForwardingAgain(
            String name, int layer, int width, int height, int tileW, int tileH) {
        DreamSession session = session(cfg(name), BatchNormGradient.EXACT);
        Image input = TestImages.noise(width, height, 17);
        Tiling keeping = Tiling.fixed(tileW, tileH);
        Tiling twice = keeping.forwardingTwice();
        TilePlan plan = keeping.plan(session, layer, width, height).orElseThrow();
        Jitter jitter = new Jitter(-5, 3, true);
        long[] again = new long[2];
        float[] kept = iterate(session, input, t -> {
            try (TiledIteration iteration = new TiledIteration(session, keeping)) {
                iteration.optimize(t[0], t[1], layer, plan, jitter, 0.5f, 0.04f, true);
                again[0] = iteration.forwardedAgain();
            }
        });
        float[] forwarded = iterate(session, input, t -> {
            try (TiledIteration iteration = new TiledIteration(session, twice)) {
                iteration.optimize(t[0], t[1], layer, plan, jitter, 0.5f, 0.04f, true);
                again[1] = iteration.forwardedAgain();
            }
        });
        assertThat(again[1]).as("tiles forwarded twice without kept states").isEqualTo(plan.count() - 1);
        if (session.backwardStateBytes(layer, tileW, tileH) > 0) {
            assertThat(again[0]).as("tiles forwarded twice with kept states").isZero();
        } else {
            assertThat(again[0]).as("this backend keeps no states").isEqualTo(plan.count() - 1);
        }
        assertThat(kept).as("the same bits either way").isEqualTo(forwarded);
        assertThat(Compare.of(input.data(), kept).meanAbs()).isGreaterThan(1e-3);
    }

    /** Where the backend keeps states, a budget's tiles leave room for them beside the largest tile's state. */
    @Test
    void aBudgetLeavesRoomForTheKeptStates() {
        DreamSession session = session(VGG_LIKE, BatchNormGradient.EXACT);
        long budget = Tiling.stateBytes(session, 5, 600, 400) / 5;
        Tiling tiling = Tiling.budget(budget);
        TilePlan plan = tiling.plan(session, 5, 600, 400).orElseThrow();
        long largest = 0;
        long kept = 0;
        long largestKept = 0;
        for (TilePlan.Tile tile : plan.tiles()) {
            largest = Math.max(largest, Tiling.stateBytes(session, 5, tile.width(), tile.height()));
            long k = session.backwardStateBytes(5, tile.width(), tile.height());
            kept += k;
            largestKept = Math.max(largestKept, k);
        }
        assertThat(largest).isLessThanOrEqualTo(budget);
        if (kept == 0) {
            assertThat(plan)
                    .isEqualTo(
                            tiling.forwardingTwice().plan(session, 5, 600, 400).orElseThrow());
            return;
        }
        assertThat(largest + kept - largestKept)
                .as("the largest tile's state and the others' kept states")
                .isLessThanOrEqualTo(budget);
        assertThat(tiling.keptStateBytes(session, 5, plan)).isGreaterThanOrEqualTo(kept - largestKept);
        Image input = TestImages.noise(600, 400, 3);
        long[] again = new long[1];
        iterate(session, input, t -> {
            try (TiledIteration iteration = new TiledIteration(session, tiling)) {
                iteration.optimize(t[0], t[1], 5, plan, new Jitter(3, -2, false), 0.5f, 0.04f, true);
                again[0] = iteration.forwardedAgain();
            }
        });
        assertThat(again[0]).isZero();
    }

    @Test
    void plansHaveInnerTilesAndCoresThatPartitionTheImage() {
        DreamSession session = session(VGG_LIKE, BatchNormGradient.EXACT);
        TilePlan plan = Tiling.fixed(90, 77).plan(session, 5, 403, 301).orElseThrow();
        assertThat(plan.columns().size()).isGreaterThanOrEqualTo(3);
        assertThat(plan.rows().size()).isGreaterThanOrEqualTo(3);
        for (List<TilePlan.Span> axis : List.of(plan.columns(), plan.rows())) {
            int at = 0;
            int out = 0;
            for (TilePlan.Span span : axis) {
                assertThat(span.coreFrom()).isEqualTo(at);
                assertThat(span.outFrom()).isEqualTo(out);
                assertThat(span.from() % plan.field().stride()).isZero();
                at = span.coreTo();
                out = span.outTo();
            }
            assertThat(at).isEqualTo(axis == plan.columns() ? 403 : 301);
        }
    }

    @Test
    void tenTiledIterationsStayWithinTheGoldenTolerances() throws Exception {
        DreamSession session = session(VGG_LIKE, BatchNormGradient.EXACT);
        Image input = smooth(173, 131);
        NightmareOptions options = NightmareOptions.builder(5)
                .iters(10)
                .octaves(3)
                .thresh(0.5f)
                .random(RandomMode.SEEDED, 5)
                .build();
        Image whole = dream(new Nightmare(session, Tiling.none()), input, options);
        Image tiled = dream(new Nightmare(session, Tiling.fixed(90, 81)), input, options);
        Compare c = Compare.of(whole.data(), tiled.data());
        // The golden README's vgg10_dog_i2_o1 row: mean |diff| ≤ 3 × 1.45e-3, over one step ≤ 2 × 8.8 % + 1 %.
        assertThat(c.meanAbs()).as("%s", c).isLessThanOrEqualTo(3 * 1.45e-3);
        assertThat(c.fractionOver()).as("%s", c).isLessThanOrEqualTo(2 * 0.088 + 0.01);
        assertThat(Compare.of(input.data(), tiled.data()).meanAbs()).isGreaterThan(1e-2);
    }

    @Test
    void darknetsBatchNormGradientRunsWhole() {
        DreamSession session = session(VGG_LIKE, BatchNormGradient.DARKNET);
        assertThat(Tiling.fixed(40, 40).plan(session, 5, 203, 157)).isEmpty();
        assertThat(Tiling.whyNotTileable(session, 5))
                .hasValueSatisfying(why -> assertThat(why).contains("layer 3", "batch-normalised"));
        assertThat(Tiling.whyNotTileable(session, 2)).isEmpty();
    }

    @Test
    void aBudgetPicksTilesWhoseStateFitsIt() {
        DreamSession session = session(VGG_LIKE, BatchNormGradient.EXACT);
        long whole = Tiling.stateBytes(session, 5, 600, 400);
        TilePlan plan = Tiling.budget(whole / 5).plan(session, 5, 600, 400).orElseThrow();
        assertThat(plan.count()).isGreaterThan(1);
        for (TilePlan.Tile tile : plan.tiles()) {
            assertThat(Tiling.stateBytes(session, 5, tile.width(), tile.height()))
                    .isLessThanOrEqualTo(whole / 5);
        }
        assertThat(Tiling.budget(whole).plan(session, 5, 600, 400)).isEmpty();
    }

    @FunctionalInterface
    private interface Step {
        void run(Tensor[] imageAndGradient);
    }

    private static float[] iterate(DreamSession session, Image input, Step step) {
        try (Tensor image = session.upload(input);
                Tensor gradient = session.allocate(new Shape(3, input.height(), input.width()))) {
            step.run(new Tensor[] {image, gradient});
            return session.download(image).data();
        }
    }

    private static Image dream(Nightmare nightmare, Image input, NightmareOptions options) throws Exception {
        Image[] last = new Image[1];
        nightmare.run(input, options, new DreamListener() {
            @Override
            public void onRound(RoundResult round) {
                last[0] = round.checkpoint().image();
            }
        });
        return last[0];
    }

    /** A smooth picture (gradients and waves): iterations on it evolve as on a photograph. */
    static Image smooth(int width, int height) {
        Image image = Image.blank(width, height, 3);
        float[] data = image.data();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    data[(c * height + y) * width + x] =
                            (float) (0.5 + 0.4 * Math.sin(x * (0.05 + 0.02 * c) + y * 0.03 * (c + 1)));
                }
            }
        }
        return image;
    }
}
