package dev.nightmare.engine.dream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.testing.Compare;
import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case in {@code ../shared/golden} — darknet's own outputs — run through the engine with
 * darknet-compatible draws on one backend, and held to the tolerances of the golden README: mean
 * |diff| ≤ 3× and the fraction of values off by more than 1/255 ≤ 2× + 1 point of what darknet
 * itself differs by between -O0 and -Ofast; one-iteration cases also max |diff| ≤ 1e-2. A
 * backend's module subclasses this with {@link #createBackend()}. Deviations are appended to
 * {@code target/golden-report.txt}. Sessions run with {@link SessionOptions#DARKNET}: those limits
 * assume darknet's own summation order (see {@link dev.nightmare.engine.backend.ForwardArithmetic}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GoldenCasesTest {
    /** darknet -O0 vs -Ofast per case and round (golden README): mean |diff|, fraction over 1/255. */
    private record Reference(double meanAbs, double fractionOver) {}

    private static final Map<String, List<Reference>> REFERENCE = Map.of(
            "jnet11_dog_i1", List.of(new Reference(9.8e-7, 0)),
            "vgg10_dog_i1_o1", List.of(new Reference(1.0e-4, 0)),
            "tiny_dog_i1", List.of(new Reference(1.7e-6, 0)),
            "jnet11_dog_i3", List.of(new Reference(9.7e-5, 0.0044)),
            "jnet11_dog_o2_i3", List.of(new Reference(9.7e-5, 0.0044)),
            "vgg10_dog_i2_o1", List.of(new Reference(1.45e-3, 0.088)),
            "vgg10_dog_r2_range3_zoom_rot", List.of(new Reference(8.7e-6, 0.000005), new Reference(3.9e-4, 0.015)),
            "tiny_dog_i3", List.of(new Reference(7.0e-4, 0.043)));

    protected abstract Backend createBackend();

    private Backend backend;

    @BeforeAll
    void open() {
        backend = createBackend();
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    static Stream<Arguments> cases() {
        return REFERENCE.keySet().stream().sorted().map(Arguments::of);
    }

    /** A golden case's command, parsed. */
    record Command(Path cfg, Path weights, Path image, int layer, NightmareOptions options, int iters) {
        private static final Pattern OPTION = Pattern.compile("-(\\w+) (\\S+)");

        static Command parse(String cmd) {
            String[] words = cmd.strip().split("\\s+");
            Path cfg = Shared.models().resolve(Path.of(words[2]).getFileName());
            String weightsName = Path.of(words[3]).getFileName().toString();
            Path weights = weightsName.endsWith(".synth.weights")
                    ? Shared.syntheticWeights(weightsName.substring(0, weightsName.indexOf('.')))
                    : Shared.models().resolve(weightsName);
            Path image = Shared.images().resolve(Path.of(words[4]).getFileName());
            int layer = Integer.parseInt(words[5]);
            NightmareOptions.Builder b = NightmareOptions.builder(layer).random(RandomMode.DARKNET, 0);
            Matcher m = OPTION.matcher(cmd);
            int iters = 10;
            while (m.find()) {
                String v = m.group(2);
                switch (m.group(1)) {
                    case "iters" -> b.iters(iters = Integer.parseInt(v));
                    case "rounds" -> b.rounds(Integer.parseInt(v));
                    case "range" -> b.range(Integer.parseInt(v));
                    case "octaves" -> b.octaves(Integer.parseInt(v));
                    case "zoom" -> b.zoom(Float.parseFloat(v));
                    case "rotate" -> b.rotate(Float.parseFloat(v));
                    case "rate" -> b.rate(Float.parseFloat(v));
                    case "thresh" -> b.thresh(Float.parseFloat(v));
                    default ->
                        throw new IllegalArgumentException("golden command option -" + m.group(1) + " not handled");
                }
            }
            return new Command(cfg, weights, image, layer, b.build(), iters);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesDarknetWithinTheGoldenTolerances(String name) throws Exception {
        Path dir = Shared.golden().resolve(name);
        Command cmd = Command.parse(Files.readString(dir.resolve("cmd.txt")));
        Model model = Model.load(cmd.cfg(), cmd.weights(), w -> {});
        Image input = ImageCodec.read(cmd.image(), ImageCodec.DEFAULT_MAX_PIXELS);
        List<Image> rounds = new ArrayList<>();
        try (DreamSession session = backend.open(model, SessionOptions.DARKNET)) {
            new Nightmare(session)
                    .run(
                            input,
                            cmd.options(),
                            round -> rounds.add(round.checkpoint().image()));
        }
        List<Reference> references = REFERENCE.get(name);
        assertThat(rounds).hasSize(references.size());
        String imBase = Model.baseName(cmd.image().getFileName().toString());
        for (int r = 0; r < rounds.size(); r++) {
            Path expectedFile = dir.resolve(String.format("%s_%s_%d_%06d.f32", imBase, model.name(), cmd.layer(), r));
            Image expected = FloatImageFile.read(expectedFile);
            Compare c = Compare.of(expected.data(), rounds.get(r).data());
            Reference ref = references.get(r);
            report(name + " round " + r + " on " + backend.name() + ": " + c + "  (limits: mean " + 3 * ref.meanAbs()
                    + ", over " + (2 * ref.fractionOver() + 0.01) + ")");
            assertThat(c.meanAbs())
                    .as(name + " round " + r + " mean |diff|: " + c)
                    .isLessThanOrEqualTo(3 * ref.meanAbs());
            assertThat(c.fractionOver())
                    .as(name + " round " + r + " fraction > 1/255: " + c)
                    .isLessThanOrEqualTo(2 * ref.fractionOver() + 0.01);
            if (cmd.iters() == 1 && cmd.options().rounds() == 1) {
                assertThat(c.maxAbs()).as(name + " max |diff|: " + c).isLessThanOrEqualTo(1e-2);
            }
        }
    }

    private static synchronized void report(String line) throws IOException {
        System.out.println("[golden] " + line);
        Files.writeString(
                Path.of("target", "golden-report.txt"),
                line + System.lineSeparator(),
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
