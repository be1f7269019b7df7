package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nightmare.contracts.Recipe;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.testing.Shared;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which commands ask oneDNN for Winograd from the first iteration: long runs, and only those. */
class WinogradDefaultTest {
    private static NetworkSpec vgg;
    private static NetworkSpec tiny;

    @BeforeAll
    static void specs() throws IOException {
        vgg = NetworkSpec.read(Shared.models().resolve("vgg-conv.cfg"), warning -> {});
        tiny = NetworkSpec.read(Shared.models().resolve("tiny.cfg"), warning -> {});
    }

    private static NightmareOptions oneOctave(int iters) {
        return NightmareOptions.builder(10).iters(iters).octaves(1).build();
    }

    private static Map<String, String> choose(
            Map<String, String> given, String backend, NetworkSpec spec, NightmareOptions options, int w, int h) {
        return WinogradDefault.forRun(given, backend, true, spec, options, w, h);
    }

    @Test
    void aLongWholeRunAsksForWinogradAndKeepsTheGivenOptions() {
        Map<String, String> given = Map.of("onednn.backwardData", "forward");
        // vgg-conv layer 10, 512² × 20 iterations: 4.3 TFLOP.
        assertThat(choose(given, "auto", vgg, oneOctave(20), 512, 512))
                .containsEntry("onednn.winograd", "on")
                .containsEntry("onednn.backwardData", "forward")
                .hasSize(2);
        assertThat(choose(Map.of(), "onednn", vgg, oneOctave(5), 512, 512)).containsEntry("onednn.winograd", "on");
    }

    @Test
    void shortRunsKeepTheBackendsDefault() {
        // 256² × 10 (0.5 TFLOP), where Winograd's warm-up and direct convolutions came out even.
        assertThat(choose(Map.of(), "auto", vgg, oneOctave(10), 256, 256)).isEmpty();
        // darknet's default scream run (0.66 TFLOP) and tiny's on dog.jpg (48 GFLOP).
        NightmareOptions defaults = NightmareOptions.builder(10).build();
        assertThat(choose(Map.of(), "auto", vgg, defaults, 352, 448)).isEmpty();
        assertThat(choose(Map.of(), "auto", tiny, defaults, 768, 576)).isEmpty();
    }

    @Test
    void whatThePersonChoseWins() {
        Map<String, String> off = Map.of("onednn.winograd", "off");
        assertThat(choose(off, "auto", vgg, oneOctave(40), 512, 512)).isSameAs(off);
    }

    @Test
    void otherBackendsAndDarknetsArithmeticAreLeftAlone() {
        assertThat(choose(Map.of(), "cuda", vgg, oneOctave(40), 512, 512)).isEmpty();
        assertThat(choose(Map.of(), "reference", vgg, oneOctave(40), 512, 512)).isEmpty();
        assertThat(WinogradDefault.forRun(Map.of(), "auto", false, vgg, oneOctave(40), 512, 512))
                .isEmpty();
    }

    @Test
    void postersTooForTheirTilesAreSizedForTheStateOfWhatRuns() {
        // A 2048×1536 image's whole state is about 6 GB: it tiles, and 10 iterations are 7 TFLOP.
        assertThat(choose(Map.of(), "auto", vgg, oneOctave(10), 2048, 1536)).containsEntry("onednn.winograd", "on");
    }

    @Test
    void theCommandRecordsTheChoiceInTheOutputsRecipe(@TempDir Path dir) throws IOException {
        assumeTrue(
                Backends.discover().providers().stream()
                        .anyMatch(p -> p.name().equals("onednn")
                                && p.unavailableReason().isEmpty()),
                "oneDNN's native library does not load here");
        // 256² × 20 iterations of vgg-conv layer 10 (1.07 TFLOP) against 2 of the same.
        assertThat(recipeOf(dir, "20")).contains("\"backendOptions\":{\"onednn.winograd\":\"on\"}");
        assertThat(recipeOf(dir, "2")).doesNotContain("backendOptions");
    }

    private static String recipeOf(Path dir, String iters) throws IOException {
        Path out = Files.createDirectories(dir.resolve(iters));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(
                new String[] {
                    Shared.models().resolve("vgg-conv.cfg").toString(),
                    Shared.syntheticWeights("vgg-conv").toString(),
                    Shared.images().resolve("dog_256.png").toString(),
                    "10",
                    "-iters",
                    iters,
                    "-octaves",
                    "1",
                    "--seed",
                    "1",
                    "--format",
                    "png",
                    "--backend",
                    "onednn",
                    "--no-progress",
                    "-prefix",
                    out.toString()
                },
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Main.Terminals.NONE);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return ImageCodec.readText(out.resolve("dog_256_vgg-conv_10_000000.png"))
                .get(Recipe.KEY);
    }

    @Test
    void reconstructionRunsAtTheNetworksOwnSizeAndIsLeftAlone() {
        NightmareOptions reconstruct = NightmareOptions.builder(10)
                .iters(400)
                .octaves(1)
                .reconstruct(true)
                .build();
        assertThat(choose(Map.of(), "auto", vgg, reconstruct, 512, 512)).isEmpty();
    }
}
