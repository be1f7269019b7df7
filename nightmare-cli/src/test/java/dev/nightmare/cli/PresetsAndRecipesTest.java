package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.Presets;
import dev.nightmare.contracts.Recipe;
import dev.nightmare.engine.dream.EngineVersion;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.testing.Shared;
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

/** {@code --preset}, {@code nightmare presets}, the recipe in every output and {@code --recipe-from}. */
class PresetsAndRecipesTest {
    @TempDir
    Path dir;

    private Path out;
    private Path first;
    private Path image;
    private final Path cfg = Shared.models().resolve("tiny.cfg");
    private final Path weights = Shared.models().resolve("tiny.weights");

    record Result(int status, String stdout, String stderr) {
        List<String> errorLines() {
            return stderr.lines().filter(l -> l.startsWith("nightmare: error:")).toList();
        }
    }

    private static Result run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int status = Main.run(
                args,
                new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8),
                Main.Terminals.NONE);
        return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    private static Result ok(String... args) {
        Result r = run(args);
        assertThat(r.status()).as(r.stderr()).isZero();
        return r;
    }

    @BeforeEach
    void smallInput() throws IOException {
        out = Files.createDirectory(dir.resolve("out"));
        first = Files.createDirectory(dir.resolve("first"));
        Image dog = ImageOps.resize(ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1 << 20), 80, 60);
        image = dir.resolve("dog.small.png");
        Files.write(image, ImageCodec.encode(dog, ImageCodec.Format.PNG));
    }

    /** The tiny model at layer 7 on {@code backend}, two iterations, into {@code prefix}, plus {@code extra}. */
    private String[] dream(String backend, Path prefix, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                cfg.toString(),
                weights.toString(),
                image.toString(),
                "7",
                "-prefix",
                prefix.toString(),
                "-iters",
                "2",
                "--backend",
                backend,
                "--no-progress"));
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    private static List<String> files(Path in) throws IOException {
        try (Stream<Path> files = Files.list(in)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Recipe recipeOf(Path file) throws IOException {
        return Recipe.fromImage(Files.readAllBytes(file)).orElseThrow();
    }

    private static float[] pixels(Path file) throws IOException {
        return ImageCodec.read(file, 1 << 20).data();
    }

    private void assertRefused(Result r, String... fragments) throws IOException {
        assertThat(r.status()).as(r.stderr()).isEqualTo(2);
        assertThat(r.errorLines()).as(r.stderr()).singleElement().satisfies(line -> {
            for (String f : fragments) {
                assertThat(line).contains(f);
            }
        });
        assertThat(files(out)).as("nothing written").isEmpty();
    }

    // ---- the recipe in every output -------------------------------------------------------------

    @Test
    void everyOutputCarriesTheRecipeThatMadeIt() throws IOException {
        ok(dream("reference", out, "-rounds", "2", "--seed", "5", "-rate", "0.02"));
        String sha = Model.sha256(cfg, weights);
        for (int round = 0; round < 2; round++) {
            Recipe recipe = recipeOf(out.resolve("dog_tiny_7_00000" + round + ".jpg"));
            assertThat(recipe.round()).isEqualTo(round);
            JobOptions o = recipe.options();
            assertThat(o.isResolved()).isTrue();
            assertThat(o.model()).isEqualTo("tiny");
            assertThat(o.layer()).isEqualTo(7);
            assertThat(o.rounds()).isEqualTo(2);
            assertThat(o.iters()).isEqualTo(2);
            assertThat(o.rate()).isEqualTo(0.02f);
            assertThat(o.octaves()).as("darknet's default").isEqualTo(4);
            assertThat(o.seed()).isEqualTo(5L);
            assertThat(o.rng()).isEqualTo("seeded");
            assertThat(o.format()).isEqualTo("jpg");
            assertThat(recipe.modelSha256()).isEqualTo(sha);
            assertThat(recipe.backend()).isEqualTo("reference");
            assertThat(recipe.engineVersion()).isEqualTo(EngineVersion.get());
            assertThat(recipe.backendOptions()).isNull();
            assertThat(recipe.arithmetic()).isNull();
            assertThat(recipe.input())
                    .isEqualTo(new Recipe.Input(
                            "dog.small.png", NightmareCommand.sha256(Files.readAllBytes(image)), 80, 60));
        }
    }

    @Test
    void settingsThatChangeThePixelsAreInTheRecipe() throws IOException {
        ok(dream(
                "onednn",
                out,
                "--rng",
                "darknet",
                "--arithmetic",
                "darknet",
                "--bn-gradient",
                "exact",
                "--backend-options",
                "onednn.winograd=off",
                "--format",
                "png"));
        Recipe recipe = recipeOf(out.resolve("dog_tiny_7_000000.png"));
        assertThat(recipe.options().rng()).isEqualTo("darknet");
        assertThat(recipe.options().seed()).isZero();
        assertThat(recipe.options().format()).isEqualTo("png");
        assertThat(recipe.backend()).isEqualTo("onednn");
        assertThat(recipe.arithmetic()).isEqualTo("darknet");
        assertThat(recipe.bnGradient()).isEqualTo("exact");
        assertThat(recipe.backendOptions()).containsEntry("onednn.winograd", "off");
    }

    // ---- --recipe-from ---------------------------------------------------------------------------

    @Test
    void aRerunFromAnOutputIsBitIdenticalOnTheSameBackend() throws IOException {
        ok(dream("onednn", first, "-rounds", "3", "--format", "png", "--checkpoints", "-rate", "0.03"));
        Path original = first.resolve("dog_tiny_7_000001.png");

        // No --backend: the recipe's (onednn) is used; the other options, seed included, are the recipe's.
        Result r = ok(
                "--recipe-from",
                original.toString(),
                cfg.toString(),
                weights.toString(),
                image.toString(),
                "-prefix",
                out.toString(),
                "--checkpoints",
                "--no-progress");

        assertThat(r.stderr()).contains("backend=onednn").contains("matches " + original + " pixel for pixel");
        assertThat(files(out)).isEqualTo(files(first));
        for (String name : files(first)) {
            // Same pixels, and the same recipe: byte for byte the same files (checkpoints included).
            assertThat(Files.readAllBytes(out.resolve(name)))
                    .as(name)
                    .isEqualTo(Files.readAllBytes(first.resolve(name)));
        }
        assertThat(pixels(out.resolve("dog_tiny_7_000001.png"))).isEqualTo(pixels(original));
    }

    @Test
    void aRerunFindsTheModelAndInputByTheRecipesNames() throws IOException {
        ok(dream("reference", first, "--seed", "11"));
        Files.createSymbolicLink(first.resolve("tiny.cfg"), cfg);
        Files.createSymbolicLink(first.resolve("tiny.weights"), weights);
        Files.copy(image, first.resolve("dog.small.png"));
        Path original = first.resolve("dog_tiny_7_000000.jpg");

        Result r = ok("--recipe-from", original.toString(), "-prefix", out.toString(), "--no-progress");

        assertThat(r.stderr()).contains("pixel for pixel");
        assertThat(Files.readAllBytes(out.resolve("dog_tiny_7_000000.jpg"))).isEqualTo(Files.readAllBytes(original));
    }

    @Test
    void optionsGivenWithARecipeWinAndTheDifferenceIsSaid() throws IOException {
        ok(dream("reference", first, "--seed", "3", "-rounds", "2"));
        Path original = first.resolve("dog_tiny_7_000001.jpg");

        Result r = ok(
                "--recipe-from",
                original.toString(),
                cfg.toString(),
                weights.toString(),
                image.toString(),
                "-prefix",
                out.toString(),
                "-rate",
                "0.08",
                "--format",
                "png",
                "--no-progress");

        Recipe rerun = recipeOf(out.resolve("dog_tiny_7_000001.png"));
        assertThat(rerun.options().rate()).isEqualTo(0.08f);
        assertThat(rerun.options().seed()).isEqualTo(3L);
        assertThat(rerun.options().rounds()).isEqualTo(2);
        assertThat(r.stderr())
                .contains("round 1 (")
                .contains("differs from " + original)
                .contains("the rerun changed rate 0.04 → 0.08, format jpg → png (JPEG's pixels are the dream's after"
                        + " compression))");
    }

    @Test
    void anotherInputRunsWithAWarning() throws IOException {
        ok(dream("reference", first, "--seed", "3"));
        Path other = dir.resolve("eagle.png");
        Image eagle = ImageCodec.read(Shared.images().resolve("eagle_200x150.png"), 1 << 20);
        Files.write(other, ImageCodec.encode(ImageOps.resize(eagle, 80, 60), ImageCodec.Format.PNG));

        Result r = ok(
                "--recipe-from",
                first.resolve("dog_tiny_7_000000.jpg").toString(),
                cfg.toString(),
                weights.toString(),
                other.toString(),
                "-prefix",
                out.toString(),
                "--no-progress");

        assertThat(r.stderr())
                .contains("nightmare: warning: " + other + " is not the recipe's input dog.small.png (its sha256"
                        + " differs)");
        assertThat(files(out)).containsExactly("eagle_tiny_7_000000.jpg");
    }

    @Test
    void anotherModelVersionIsRefused() throws IOException {
        ok(dream("reference", first, "--seed", "3"));
        Path synthetic = dir.resolve("tiny.weights");
        SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), 7, synthetic);
        String original = first.resolve("dog_tiny_7_000000.jpg").toString();

        assertRefused(
                run(
                        "--recipe-from",
                        original,
                        cfg.toString(),
                        synthetic.toString(),
                        image.toString(),
                        "-prefix",
                        out.toString()),
                "are model version ",
                "but " + original + " was dreamed with tiny version "
                        + Model.sha256(cfg, weights).substring(0, 16),
                "give the cfg and weights it was dreamed with");
        // Found by name, a file of another version is refused as well.
        Files.createSymbolicLink(first.resolve("tiny.cfg"), cfg);
        Files.copy(synthetic, first.resolve("tiny.weights"));
        Files.copy(image, first.resolve("dog.small.png"));
        assertRefused(run("--recipe-from", original, "-prefix", out.toString()), "is another version");
    }

    @Test
    void aRerunNeverWritesOverItsOwnSourceAndNeedsARecipe() throws IOException {
        ok(dream("reference", out, "--seed", "3"));
        Path original = out.resolve("dog_tiny_7_000000.jpg");
        byte[] before = Files.readAllBytes(original);
        Result r = run(
                "--recipe-from",
                original.toString(),
                cfg.toString(),
                weights.toString(),
                image.toString(),
                "-prefix",
                out.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.errorLines()).singleElement().asString().contains("would write its round 0 over " + original);
        assertThat(Files.readAllBytes(original)).isEqualTo(before);
        Files.delete(original);

        assertRefused(run("--recipe-from", image.toString()), "carries no recipe");
        assertRefused(run("--recipe-from", dir.resolve("none.png").toString()), "does not exist");
        ok(dream("reference", first, "--seed", "3"));
        assertRefused(
                run("--recipe-from", first.resolve("dog_tiny_7_000000.jpg").toString(), "--preset", "gentle"),
                "--preset and --recipe-from both");
        assertRefused(
                run("--recipe-from", first.resolve("dog_tiny_7_000000.jpg").toString(), cfg.toString()),
                "--recipe-from takes CFG WEIGHTS INPUT, or nothing");
    }

    // ---- --preset and nightmare presets ----------------------------------------------------------

    @Test
    void aPresetSetsTheOptionsAndTheLayerAndGivenOptionsWin() throws IOException {
        var gentle = Presets.find("tiny", "gentle").options();
        ok(
                cfg.toString(),
                weights.toString(),
                image.toString(),
                "--preset",
                "gentle",
                "-rounds",
                "1",
                "-iters",
                "1",
                "-prefix",
                out.toString(),
                "--backend",
                "reference",
                "--no-progress");
        String name = "dog_tiny_" + gentle.layer() + "_000000.jpg";
        assertThat(files(out)).containsExactly(name);
        JobOptions o = recipeOf(out.resolve(name)).options();
        assertThat(o.layer()).isEqualTo(gentle.layer());
        assertThat(o.range()).isEqualTo(gentle.range());
        assertThat(o.rate()).isEqualTo(gentle.rate());
        assertThat(o.rounds()).isEqualTo(1);
        assertThat(o.iters()).isEqualTo(1);

        ok(
                cfg.toString(),
                weights.toString(),
                image.toString(),
                "5",
                "--preset",
                "gentle",
                "-rounds",
                "1",
                "-iters",
                "1",
                "-prefix",
                first.toString(),
                "--backend",
                "reference",
                "--no-progress");
        assertThat(recipeOf(first.resolve("dog_tiny_5_000000.jpg")).options().layer())
                .isEqualTo(5);
    }

    @Test
    void anUnknownPresetOrAMissingLayerIsRefused() throws IOException {
        assertRefused(
                run(cfg.toString(), weights.toString(), image.toString(), "--preset", "wild"),
                "preset 'wild' is unknown for model tiny; known presets: "
                        + String.join(", ", Presets.forModel("tiny").presetNames()));
        Path mine = dir.resolve("mynet.cfg");
        Files.copy(cfg, mine);
        assertRefused(
                run(mine.toString(), weights.toString(), image.toString(), "--preset", "gentle"),
                "preset gentle leaves the layer to you");
        assertRefused(run(cfg.toString(), weights.toString(), image.toString()), "expected CFG WEIGHTS IMAGE LAYER");
    }

    @Test
    void thePresetsCommandListsModelsLayersAndOptions() {
        Result all = ok("presets");
        assertThat(all.stdout())
                .contains("tiny: Tiny Darknet")
                .contains("vgg-conv: ")
                .contains("jnet-conv: ")
                .contains("any other model: ")
                .contains("  --preset gentle (default)")
                .contains(Presets.find("tiny", "gentle").commandLine())
                .contains("layers worth dreaming on: ");
        Result tiny = ok("presets", cfg.toString());
        assertThat(tiny.stdout()).startsWith("tiny: ").doesNotContain("vgg-conv:");
        Result other = ok("presets", "mynet");
        assertThat(other.stdout()).startsWith("mynet (not described: the general presets, with a LAYER of yours)");
        assertThat(ok("--help").stdout())
                .contains("--preset NAME")
                .contains("presets (nightmare presets [MODEL] shows their options and layers):")
                .contains("  tiny: gentle (default)");
    }
}
