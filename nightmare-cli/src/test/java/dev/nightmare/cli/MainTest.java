package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.testing.Shared;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    private Path out;
    private Path image;
    private final Path cfg = Shared.models().resolve("tiny.cfg");
    private final Path weights = Shared.models().resolve("tiny.weights");

    record Result(int status, String stdout, String stderr) {
        List<String> errorLines() {
            return stderr.lines().filter(l -> l.startsWith("nightmare: error:")).toList();
        }
    }

    private Result run(String... args) {
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
        image = dir.resolve("dog.small.png");
        Files.write(image, ImageCodec.encode(dog, ImageCodec.Format.PNG));
    }

    private String[] dream(String... extra) {
        return dreamOn("reference", "2", extra);
    }

    /** The tiny model at layer 7 on {@code backend}, {@code iters} iterations, plus {@code extra}. */
    private String[] dreamOn(String backend, String iters, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                cfg.toString(),
                weights.toString(),
                image.toString(),
                "7",
                "-prefix",
                out.toString(),
                "-iters",
                iters,
                "--backend",
                backend,
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
    void dreamsRoundsWithDarknetsNamesAndStdoutLines() throws IOException {
        Result r = run(dream("-rounds", "2"));
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(outputs()).containsExactly("dog_tiny_7_000000.jpg", "dog_tiny_7_000001.jpg");
        assertThat(r.stdout().lines())
                .containsExactly("0 " + out.resolve("dog_tiny_7_000000"), "1 " + out.resolve("dog_tiny_7_000001"));
        assertThat(r.stderr())
                .contains("reproduce with: seed=")
                .contains("backend=reference")
                .contains("model-sha256=");
        Image first = ImageCodec.read(out.resolve("dog_tiny_7_000000.jpg"), 1 << 20);
        assertThat(first.width()).isEqualTo(80);
    }

    @Test
    void notesAreForVerboseOnly() throws IOException {
        Result quiet = run(dream());
        assertThat(quiet.status()).as(quiet.stderr()).isZero();
        assertThat(quiet.stderr())
                .contains("reproduce with: seed=")
                .doesNotContain("[net]")
                .doesNotContain("nightmare: backend ");
        Result verbose = run(dream("--verbose"));
        assertThat(verbose.status()).as(verbose.stderr()).isZero();
        assertThat(verbose.stderr())
                .contains("nightmare: note: " + cfg + ":11: [net] momentum=0.9 is not used by nightmare (ignored)")
                .contains("nightmare: backend reference on Java reference");
    }

    @Test
    void onASharedTerminalTheStdoutLineStandsAlone() throws IOException {
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(terminal, true, StandardCharsets.UTF_8);
        List<String> args = new java.util.ArrayList<>(Arrays.asList(dream()));
        args.remove("--no-progress");
        int status = Main.run(args.toArray(String[]::new), both, both, new Main.Terminals(true, true));
        String shown = terminal.toString(StandardCharsets.UTF_8);
        assertThat(status).as(shown).isZero();
        assertThat(ProgressBarTest.rendered(shown))
                .as(shown)
                .contains("0 " + out.resolve("dog_tiny_7_000000"))
                .anySatisfy(
                        line -> assertThat(line).startsWith("round 1/1 saved ").contains("(took "));
    }

    @Test
    void acceptsDarknetOptionsAnywhereAndLongForms() throws IOException {
        Result r = run(
                cfg.toString(),
                "-rotate",
                "-0.05",
                weights.toString(),
                "--zoom",
                "0.9",
                image.toString(),
                "7",
                "-prefix",
                out.toString(),
                "-iters",
                "1",
                "-rounds",
                "2",
                "--backend",
                "reference",
                "--format",
                "png",
                "-lambda",
                ".02",
                "--no-progress");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(outputs()).containsExactly("dog_tiny_7_000000.png", "dog_tiny_7_000001.png");
        assertThat(r.stderr()).contains("-lambda and -smooth are parsed but unused");
    }

    @Test
    void darknetArithmeticIsAcceptedAsTheHelpSays() throws IOException {
        Result r = run(dream("--arithmetic", "darknet", "--rng", "darknet"));
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(outputs()).containsExactly("dog_tiny_7_000000.jpg");
    }

    @Test
    void resumingFromACheckpointReproducesTheRemainingRounds() throws IOException {
        assertThat(run(dream("-rounds", "3", "--seed", "5", "--format", "png", "--checkpoints"))
                        .status())
                .isZero();
        byte[] round1 = Files.readAllBytes(out.resolve("dog_tiny_7_000001.png"));
        byte[] round2 = Files.readAllBytes(out.resolve("dog_tiny_7_000002.png"));
        Path checkpoint = dir.resolve("dog_tiny_7_000000.f32");
        Files.move(out.resolve("dog_tiny_7_000000.f32"), checkpoint);
        Files.delete(out.resolve("dog_tiny_7_000001.png"));
        Files.delete(out.resolve("dog_tiny_7_000002.png"));
        Result r = run(dream("-rounds", "3", "--seed", "5", "--format", "png", "--resume", checkpoint.toString()));
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines()).hasSize(2);
        assertThat(Files.readAllBytes(out.resolve("dog_tiny_7_000001.png"))).isEqualTo(round1);
        assertThat(Files.readAllBytes(out.resolve("dog_tiny_7_000002.png"))).isEqualTo(round2);
    }

    private void assertRefused(Result r, String... fragments) throws IOException {
        assertThat(r.status()).as(r.stderr()).isEqualTo(2);
        assertThat(r.errorLines()).as(r.stderr()).singleElement().satisfies(line -> {
            for (String f : fragments) {
                assertThat(line).contains(f);
            }
        });
        assertThat(outputs()).as("nothing written").isEmpty();
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void truncatedOrOverlongWeightsAreRefused() throws IOException {
        byte[] bytes = Files.readAllBytes(weights);
        Path truncated = dir.resolve("short.weights");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 1000));
        assertRefused(
                run(cfg.toString(), truncated.toString(), image.toString(), "7", "-prefix", out.toString()),
                "bytes but",
                "needs " + bytes.length,
                "truncated");
        Path overlong = dir.resolve("long.weights");
        Files.write(overlong, Arrays.copyOf(bytes, bytes.length + 4));
        assertRefused(
                run(cfg.toString(), overlong.toString(), image.toString(), "7", "-prefix", out.toString()), "too long");
    }

    @Test
    void cfgWithAnUnknownSectionIsRefusedWithItsLine() throws IOException {
        Path bad = dir.resolve("bad.cfg");
        Files.writeString(bad, Files.readString(cfg) + "\n[route]\nlayers=-4\n");
        assertRefused(
                run(bad.toString(), weights.toString(), image.toString(), "7", "-prefix", out.toString()),
                "bad.cfg:",
                "unknown section [route]");
    }

    @Test
    void nonImageInputIsRefused() throws IOException {
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "this is not a picture");
        assertRefused(
                run(cfg.toString(), weights.toString(), text.toString(), "7", "-prefix", out.toString()),
                "notes.png",
                "not a recognised image");
    }

    @Test
    void outOfRangeLayersCountsAndNumbersAreRefused() throws IOException {
        assertRefused(
                run(cfg.toString(), weights.toString(), image.toString(), "30", "-prefix", out.toString()),
                "layer 30 is outside",
                "0..21");
        assertRefused(
                run(cfg.toString(), weights.toString(), image.toString(), "-1", "-prefix", out.toString()),
                "layer -1 is outside",
                "targetable layers 0..21");
        assertRefused(
                run(dream("-octaves", "30")),
                "octaves 30 is too many for a 80×60 image",
                "shrinks it to 1×0",
                "use octaves 15 or fewer, or an image of at least 5600×4200");
        assertRefused(run(dream("-rounds", "0")), "rounds is 0", "from 1");
        assertRefused(run(dream("-range", "-3")), "range is -3");
        assertRefused(run(dream("-rate", "NaN")), "rate is NaN", "finite");
        assertRefused(run(dream("-thresh", "inf")), "-thresh inf is not a number");
        assertRefused(run(dream("-octaves", "abc")), "-octaves abc is not an integer");
        assertRefused(run(dream("-bogus", "1")), "unknown option -bogus");
        assertRefused(run(dream("--arithmetic", "exact")), "--arithmetic must be fast or darknet");
        assertRefused(run(cfg.toString(), weights.toString()), "expected CFG WEIGHTS IMAGE LAYER");
        assertRefused(
                run(
                        cfg.toString(),
                        weights.toString(),
                        image.toString(),
                        "7",
                        "-prefix",
                        out.toString(),
                        "--backend",
                        "quantum"),
                "backend 'quantum' is unknown");
    }

    @Test
    void backendOptionsReachTheBackendAndBadOnesAreRefused() throws IOException {
        assertRefused(run(dream("--backend-options", "cuda.tf32")), "--backend-options takes KEY=VALUE pairs");
        assertRefused(
                run(dreamOn("onednn", "1", "--backend-options", "onednn.backwardData=gemm")),
                "onednn.backwardData must be forward or onednn, got 'gemm'");
        Result r = run(dreamOn("onednn", "1", "--backend-options", "onednn.backwardData=forward"));
        assertThat(r.status()).as(r.stderr()).isZero();
    }

    @Test
    void synthWeightsWritesTheSpecifiedFile() throws IOException {
        Path target = dir.resolve("jnet.weights");
        Result r = run("synth-weights", Shared.models().resolve("jnet-conv.cfg").toString(), target.toString());
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout())
                .contains("75480212 bytes sha256 723e96967c07844cf17bb6ad17fb7ff43f00851599037296440df7c8b0a12c51");
    }

    @Test
    void benchPrintsOneJsonLinePerCase() {
        Result r = run(
                "bench",
                "--cfg",
                cfg.toString(),
                "--weights",
                weights.toString(),
                "--sizes",
                "32,48",
                "--layers",
                "7",
                "--backend",
                "reference",
                "--iters",
                "2",
                "--warmup",
                "1");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines())
                .hasSize(2)
                .allSatisfy(line -> assertThat(line)
                        .startsWith("{\"peer\":\"nightmare\",\"backend\":\"reference\"")
                        .contains("\"median_s\":")
                        .contains("\"gflops\":")
                        .containsPattern("\"first_s\":[0-9]+\\.[0-9]{5}}$"));
    }

    @Test
    void patternWritesADeterministicImage() throws IOException {
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        assertThat(run("pattern", a.toString(), "--size", "64").status()).isZero();
        assertThat(run("pattern", b.toString(), "--size", "64").status()).isZero();
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(ImageCodec.read(a, 1 << 20).width()).isEqualTo(64);
    }

    @Test
    void backendsListsTheReference() {
        Result r = run("backends");
        assertThat(r.stdout()).contains("reference (priority 0): available");
    }
}
