package dev.nightmare.engine.dream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.reference.ReferenceBackend;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.testing.Compare;
import dev.nightmare.engine.testing.Shared;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden-style runs at the layers darknet's {@code ../shared/golden} cases do not reach: tiny's
 * avgpool (20) and softmax (21), alone and with {@code -range 3} around them, each a whole
 * nightmare run on the real tiny model with darknet's draws and forward arithmetic. The oracle is
 * the reference backend (on these cases it stays within a fifth of how far darknet built with -O0
 * is from darknet built with -Ofast); the limits are the golden README's for the tiny cases of the
 * same length: one iteration as {@code tiny_dog_i1} (mean |diff| ≤ 3 × 1.7e-6, fraction over
 * 1/255 ≤ 1 %, max |diff| ≤ 1e-2), several as {@code tiny_dog_i3} (mean ≤ 3 × 7.0e-4, fraction ≤
 * 2 × 4.3 % + 1 %). A backend's module subclasses this with {@link #createBackend()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ClassifierTailCasesTest {
    /** A run on dog_256.png and the limits it is held to. */
    record Case(int layer, int range, int iters, double meanAbs, double fractionOver, double maxAbs) {
        static Case oneIteration(int layer) {
            return new Case(layer, 1, 1, 3 * 1.7e-6, 0.01, 1e-2);
        }

        static Case iterations(int layer, int range, int iters) {
            return new Case(layer, range, iters, 3 * 7.0e-4, 2 * 0.043 + 0.01, Double.POSITIVE_INFINITY);
        }

        NightmareOptions options() {
            return NightmareOptions.builder(layer)
                    .range(range)
                    .iters(iters)
                    .random(RandomMode.DARKNET, 0)
                    .build();
        }
    }

    private static final Map<String, Case> CASES = Map.of(
            "tiny20_dog_i1", Case.oneIteration(20),
            "tiny21_dog_i1", Case.oneIteration(21),
            "tiny21_dog_i3", Case.iterations(21, 1, 3),
            "tiny20_dog_r3_i3", Case.iterations(20, 3, 3));

    /** The oracle's image per case, computed once per JVM (several backends' tests share it). */
    private static final Map<String, float[]> ORACLE = new ConcurrentHashMap<>();

    protected abstract Backend createBackend();

    private Backend backend;
    private Model tiny;
    private Image input;

    @BeforeAll
    void open() throws Exception {
        backend = createBackend();
        tiny = Model.load(Shared.models().resolve("tiny.cfg"), Shared.models().resolve("tiny.weights"), w -> {});
        input = ImageCodec.read(Shared.images().resolve("dog_256.png"), ImageCodec.DEFAULT_MAX_PIXELS);
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    static Stream<Arguments> cases() {
        return CASES.keySet().stream().sorted().map(Arguments::of);
    }

    private float[] run(Backend on, NightmareOptions options) throws Exception {
        float[][] image = new float[1][];
        try (DreamSession session = on.open(tiny, SessionOptions.DARKNET)) {
            new Nightmare(session)
                    .run(
                            input,
                            options,
                            round -> image[0] = round.checkpoint().image().data());
        }
        return image[0];
    }

    private float[] oracle(String name, NightmareOptions options) throws Exception {
        float[] known = ORACLE.get(name);
        if (known == null) {
            try (Backend reference = new ReferenceBackend(Runtime.getRuntime().availableProcessors())) {
                known = run(reference, options);
            }
            ORACLE.put(name, known);
        }
        return known;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheOracleWithinTheGoldenTolerances(String name) throws Exception {
        Case c = CASES.get(name);
        float[] expected = oracle(name, c.options());
        Compare diff = Compare.of(expected, run(backend, c.options()));
        String what = name + " on " + backend.name() + " vs the reference: " + diff;
        System.out.println("[tail] " + what);
        assertThat(diff.meanAbs()).as(what).isLessThanOrEqualTo(c.meanAbs());
        assertThat(diff.fractionOver()).as(what).isLessThanOrEqualTo(c.fractionOver());
        assertThat(diff.maxAbs()).as(what).isLessThanOrEqualTo(c.maxAbs());
        assertThat(Compare.of(input.data(), expected).meanAbs())
                .as(name + ": the run changes the image (about 5e-2, as darknet's does)")
                .isGreaterThan(1e-2);
    }
}
