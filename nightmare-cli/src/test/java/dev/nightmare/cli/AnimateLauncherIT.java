package dev.nightmare.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.testing.Shared;
import dev.nightmare.video.testing.FfProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long sequence through {@code bin/nightmare} in a heap too small to hold its frames: 300 rounds
 * of 192×192 would take 300 × 144 KiB = 42 MiB as pixels, and the command runs in 24 MiB, so it
 * finishes only if each round is encoded and let go as it is made.
 */
class AnimateLauncherIT {
    private static final Path LAUNCHER =
            Path.of("..", "bin", "nightmare").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void threeHundredRoundsAnimateInAHeapSmallerThanTheirFrames() throws Exception {
        FfProbe.assumePresent();
        Path pattern = dir.resolve("pattern.png");
        assertThat(launch(List.of("pattern", pattern.toString(), "--size", "192"), ""))
                .isZero();
        Path video = dir.resolve("long.mp4");
        int status = launch(
                List.of(
                        Shared.models().resolve("tiny.cfg").toString(),
                        Shared.models().resolve("tiny.weights").toString(),
                        pattern.toString(),
                        "1",
                        "-rounds",
                        "300",
                        "-iters",
                        "1",
                        "-octaves",
                        "1",
                        "-zoom",
                        "0.98",
                        "--seed",
                        "3",
                        "--backend",
                        "vector",
                        "--no-progress",
                        "--animate",
                        video.toString(),
                        "--fps",
                        "30"),
                "-Xmx24m");
        assertThat(status).as(Files.readString(dir.resolve("stderr.txt"))).isZero();
        assertThat(Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8))
                .contains("300 rounds, 300 frames, 10.00 s at 30 fps");
        FfProbe.Stream s = FfProbe.probe(video);
        assertThat(s.codec()).isEqualTo("h264");
        assertThat(s.frames()).isEqualTo(300);
        assertThat(s.seconds()).isBetween(9.95, 10.05);
    }

    private int launch(List<String> args, String javaOptions) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("NIGHTMARE_JAVA_OPTS", javaOptions);
        Process process = builder.start();
        assertThat(process.waitFor(180, TimeUnit.SECONDS))
                .as("bin/nightmare finished")
                .isTrue();
        return process.exitValue();
    }
}
