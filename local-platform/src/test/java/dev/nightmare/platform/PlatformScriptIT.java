package dev.nightmare.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scripts/platform.sh} as the one-command local run uses it, on free ports. */
class PlatformScriptIT {
    private static final Path SCRIPT =
            Path.of("..", "scripts", "platform.sh").toAbsolutePath().normalize();

    @TempDir
    Path runDir;

    @Test
    void startStatusStopLeavesNoProcessOrBoundPort() throws Exception {
        int kafkaPort = Ports.free();
        int s3Port = Ports.free();
        try {
            Result start = script("start", kafkaPort, s3Port);
            assertThat(start.status()).as(start.output()).isZero();
            assertThat(start.output())
                    .contains("kafka started: 127.0.0.1:" + kafkaPort)
                    .contains("s3 started: http://127.0.0.1:" + s3Port);
            long kafkaPid = Long.parseLong(
                    Files.readString(runDir.resolve("kafka/kafka.pid")).strip());
            long s3Pid =
                    Long.parseLong(Files.readString(runDir.resolve("s3/s3.pid")).strip());
            assertThat(Ports.accepts(kafkaPort)).isTrue();
            assertThat(Ports.accepts(s3Port)).isTrue();

            Result again = script("start", kafkaPort, s3Port);
            assertThat(again.output()).contains("kafka already running").contains("s3 already running");
            assertThat(script("status", kafkaPort, s3Port).status()).isZero();

            Result stop = script("stop", kafkaPort, s3Port);
            assertThat(stop.status()).as(stop.output()).isZero();
            assertThat(ProcessHandle.of(kafkaPid).isPresent()).isFalse();
            assertThat(ProcessHandle.of(s3Pid).isPresent()).isFalse();
            assertThat(Ports.isFree(kafkaPort)).isTrue();
            assertThat(Ports.isFree(s3Port)).isTrue();
            assertThat(script("status", kafkaPort, s3Port).status()).isEqualTo(3);
        } finally {
            script("stop", kafkaPort, s3Port);
        }
    }

    private record Result(int status, String output) {}

    private Result script(String command, int kafkaPort, int s3Port) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), command).redirectErrorStream(true);
        builder.environment().put("NIGHTMARE_RUN_DIR", runDir.toString());
        builder.environment().put("NIGHTMARE_KAFKA_PORT", Integer.toString(kafkaPort));
        builder.environment().put("NIGHTMARE_S3_PORT", Integer.toString(s3Port));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new Result(process.exitValue(), output);
    }
}
