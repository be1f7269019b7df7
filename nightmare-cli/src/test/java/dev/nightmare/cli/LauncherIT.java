package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/nightmare} on the packaged jar: what reaches stderr, and the exit status, are the command's. */
class LauncherIT {
    private static final Path LAUNCHER =
            Path.of("..", "bin", "nightmare").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Result(int status, String stdout, String stderr) {}

    private Result launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(args));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS))
                .as("bin/nightmare finished")
                .isTrue();
        return new Result(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static final Path AOT_CACHE =
            Path.of("target", "nightmare-cli.aot").toAbsolutePath().normalize();

    private String[] tinyAtLayer(String layer, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                Shared.models().resolve("tiny.cfg").toString(),
                Shared.models().resolve("tiny.weights").toString(),
                Shared.images().resolve("dog_200x150.png").toString(),
                layer));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void theJvmsIncubatorWarningIsLeftOutUnlessVerbose() throws Exception {
        Result version = launch("--version");
        assertThat(version.status()).as(version.stderr()).isZero();
        assertThat(version.stdout()).startsWith("nightmare ");
        assertThat(version.stderr()).isEmpty();

        Result refused = launch(tinyAtLayer("99"));
        assertThat(refused.status()).isEqualTo(2);
        assertThat(refused.stderr().lines())
                .containsExactly("nightmare: error: layer 99 is outside "
                        + Shared.models().resolve("tiny.cfg") + "'s targetable layers 0..21");

        Result verbose = launch(tinyAtLayer("99", "--verbose"));
        assertThat(verbose.status()).isEqualTo(2);
        assertThat(verbose.stderr())
                .startsWith("WARNING: Using incubator modules: jdk.incubator.vector")
                .contains("nightmare: note: ")
                .contains("nightmare: error: layer 99 is outside");
    }

    @Test
    void theFirstSuccessfulDreamRecordsTheAotCacheAndNoRunPrintsTheJdksNotes() throws Exception {
        Files.deleteIfExists(AOT_CACHE);
        Result refused = launch(tinyAtLayer("99"));
        assertThat(refused.status()).isEqualTo(2);
        assertThat(AOT_CACHE).as("a failed run records nothing").doesNotExist();
        Result version = launch("--version");
        assertThat(version.status()).isZero();
        assertThat(AOT_CACHE).as("only a dream records").doesNotExist();

        String[] dream = tinyAtLayer("10", "-iters", "1", "-octaves", "1", "--seed", "3");
        Result recording = launch(dream);
        assertThat(recording.status()).as(recording.stderr()).isZero();
        assertThat(AOT_CACHE).as("recorded beside the jar").exists();
        Result cached = launch(dream);
        assertThat(cached.status()).as(cached.stderr()).isZero();
        for (Result r : List.of(recording, cached)) {
            assertThat(r.stdout()).isEqualTo("0 dog_200x150_tiny_10_000000" + System.lineSeparator());
            assertThat(r.stderr().lines())
                    .hasSize(2)
                    .allSatisfy(line -> assertThat(line).doesNotContain("AOT").doesNotContain("[aot]"));
        }
        assertThat(dir.toFile().list((d, name) -> name.contains(".aot") || name.contains(".config")))
                .as("nothing of the recording left where the command ran")
                .isEmpty();
        assertThat(AOT_CACHE.getParent().toFile().list((d, name) -> name.endsWith(".config")))
                .as("the recording's configuration removed")
                .isEmpty();
    }

    @Test
    void aRunsStderrReachesItsEndUnfiltered() throws Exception {
        Result run = launch(tinyAtLayer("21", "-iters", "1", "-octaves", "1", "--backend", "vector"));
        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stdout()).isEqualTo("0 dog_200x150_tiny_21_000000" + System.lineSeparator());
        assertThat(run.stderr().lines())
                .hasSize(2)
                .satisfiesExactly(
                        first -> assertThat(first).startsWith("nightmare: reproduce with: "),
                        last -> assertThat(last).startsWith("round 1/1 saved ./dog_200x150_tiny_21_000000.jpg"));
        assertThat(dir.resolve("dog_200x150_tiny_21_000000.jpg")).exists();
    }
}
