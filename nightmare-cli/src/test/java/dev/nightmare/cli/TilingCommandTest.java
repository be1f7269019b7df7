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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large images from the command line: the run is planned in exact tiles, the plan said once on
 * stderr, and the image written is the untiled run's (to its 8-bit steps).
 */
class TilingCommandTest {
    @TempDir
    Path dir;

    private Path image;

    @BeforeEach
    void input() throws IOException {
        Image dog = ImageOps.resize(ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1 << 20), 161, 119);
        image = dir.resolve("dog.png");
        Files.write(image, ImageCodec.encode(dog, ImageCodec.Format.PNG));
    }

    private record Result(int status, String stderr, Image output) {}

    private Result dream(String name, String... extra) throws IOException {
        Path out = Files.createDirectory(dir.resolve(name));
        List<String> args = new ArrayList<>(List.of(
                Shared.models().resolve("tiny.cfg").toString(),
                Shared.models().resolve("tiny.weights").toString(),
                image.toString(),
                "7",
                "-prefix",
                out.toString(),
                "-iters",
                "2",
                "-octaves",
                "2",
                "--seed",
                "3",
                "--format",
                "png",
                "--backend",
                "reference",
                "--no-progress"));
        args.addAll(Arrays.asList(extra));
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int status = Main.run(
                args.toArray(String[]::new),
                new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8),
                Main.Terminals.NONE);
        Path written = out.resolve("dog_tiny_7_000000.png");
        return new Result(
                status,
                e.toString(StandardCharsets.UTF_8),
                Files.exists(written) ? ImageCodec.read(written, 1 << 20) : null);
    }

    @Test
    void aTiledRunSaysItsPlanOnceAndWritesTheUntiledImage() throws IOException {
        Result whole = dream("whole", "--bn-gradient", "exact");
        Result tiled = dream("tiled", "--bn-gradient", "exact", "--tile", "96x80");

        assertThat(whole.status()).isZero();
        assertThat(tiled.status()).as(tiled.stderr()).isZero();
        assertThat(whole.stderr()).doesNotContain("tiles");
        assertThat(tiled.stderr().lines().filter(l -> l.contains("is dreamt in")))
                .singleElement()
                // 161 columns take three tiles of up to 96; three of 92 (a multiple of the stride, 4) cover them.
                .satisfies(line -> assertThat(line).contains("161×119", "3×3 tiles of up to 92×80", "halo"));
        float[] a = whole.output().data();
        float[] b = tiled.output().data();
        int steps = 0;
        for (int i = 0; i < a.length; i++) {
            steps = Math.max(steps, Math.round(Math.abs(a[i] - b[i]) * 255));
        }
        assertThat(steps).as("largest difference in 8-bit steps").isLessThanOrEqualTo(1);
    }

    @Test
    void layersThatCannotTileRunWholeAndSayWhy() throws IOException {
        Result r = dream("darknet-bn", "--tile", "96");

        assertThat(r.status()).isZero();
        assertThat(r.stderr()).contains("warning: --tile is not used: layer 0 is batch-normalised");
        assertThat(r.output()).isNotNull();
    }

    @Test
    void aTileTooSmallForTheHaloIsAUsageError() throws IOException {
        Result r = dream("small", "--bn-gradient", "exact", "--tile", "40");

        assertThat(r.status()).isNotZero();
        assertThat(r.stderr()).contains("--tile", "halo");
        assertThat(r.output()).isNull();
    }

    @Test
    void aMemoryBudgetThatIsNotASizeIsAUsageError() throws IOException {
        Result r = dream("bad", "--memory-budget", "lots");

        assertThat(r.status()).isNotZero();
        assertThat(r.stderr()).contains("--memory-budget lots is not a size", "1.5G");
    }
}
