package dev.nightmare.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The command behind {@code scripts/platform.sh}: {@code start} launches the Kafka broker and the S3
 * server detached (they outlive this JVM) with their data, logs, pids and addresses under
 * {@code --dir} ({@code kafka/}, {@code s3/}); {@code stop} stops them cleanly from their pid files;
 * {@code status} says what runs where and exits 0 only if both do.
 */
public final class Platform {
    private static final String KAFKA_MARKER = "kafka.Kafka";
    private static final String S3_MARKER = "s3proxy";

    private Platform() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        Map<String, String> options = options(args);
        Path dir = Path.of(options.getOrDefault("dir", "run")).toAbsolutePath().normalize();
        int status = switch (args[0]) {
            case "start" -> start(dir, options);
            case "stop" -> stop(dir);
            case "status" -> status(dir);
            default -> {
                usage();
                yield 2;
            }
        };
        System.exit(status);
    }

    private static int start(Path dir, Map<String, String> options) throws IOException {
        Path kafkaDir = dir.resolve("kafka");
        Path s3Dir = dir.resolve("s3");
        if (running(kafkaDir.resolve("kafka.pid"), KAFKA_MARKER).isPresent()) {
            System.out.println("kafka already running: "
                    + Files.readString(kafkaDir.resolve("kafka.address")).strip());
        } else {
            int port = Integer.parseInt(options.getOrDefault("kafka-port", Integer.toString(LocalKafka.DEFAULT_PORT)));
            LocalKafka kafka = LocalKafka.startDetached(kafkaDir, port);
            System.out.println("kafka started: " + kafka.bootstrapServers() + " (pid " + kafka.pid() + ", log "
                    + kafka.logFile() + ")");
        }
        if (running(s3Dir.resolve("s3.pid"), S3_MARKER).isPresent()) {
            System.out.println("s3 already running: "
                    + Files.readString(s3Dir.resolve("s3.address")).strip());
        } else {
            int port = Integer.parseInt(options.getOrDefault("s3-port", Integer.toString(LocalS3.DEFAULT_PORT)));
            LocalS3 s3 = LocalS3.startDetached(
                    s3Dir,
                    port,
                    options.getOrDefault("access-key", LocalS3.DEFAULT_ACCESS_KEY),
                    options.getOrDefault("secret-key", LocalS3.DEFAULT_SECRET_KEY));
            System.out.println("s3 started: " + s3.endpoint() + " (access key " + s3.accessKey() + ", pid " + s3.pid()
                    + ", log " + s3.logFile() + ")");
        }
        return 0;
    }

    private static int stop(Path dir) throws IOException {
        boolean clean = stopOne("s3", dir.resolve("s3").resolve("s3.pid"), S3_MARKER);
        clean &= stopOne("kafka", dir.resolve("kafka").resolve("kafka.pid"), KAFKA_MARKER);
        return clean ? 0 : 1;
    }

    private static boolean stopOne(String name, Path pidFile, String marker) throws IOException {
        Optional<ProcessHandle> process = running(pidFile, marker);
        if (process.isEmpty()) {
            System.out.println(name + " not running");
            Files.deleteIfExists(pidFile);
            return true;
        }
        boolean clean = ServerProcess.terminate(process.get());
        Files.deleteIfExists(pidFile);
        System.out.println(name + (clean ? " stopped" : " did not stop in time and was killed") + " (pid "
                + process.get().pid() + ")");
        return clean;
    }

    private static int status(Path dir) throws IOException {
        boolean kafka = report("kafka", dir.resolve("kafka"), KAFKA_MARKER);
        boolean s3 = report("s3", dir.resolve("s3"), S3_MARKER);
        return kafka && s3 ? 0 : 3;
    }

    private static boolean report(String name, Path serverDir, String marker) throws IOException {
        Optional<ProcessHandle> process = running(serverDir.resolve(name + ".pid"), marker);
        if (process.isEmpty()) {
            System.out.println(name + " not running");
            return false;
        }
        System.out.println(name + " running: "
                + Files.readString(serverDir.resolve(name + ".address")).strip() + " (pid "
                + process.get().pid() + ")");
        return true;
    }

    /** The live process a pid file names, if its command line is the expected server's (pids get reused). */
    private static Optional<ProcessHandle> running(Path pidFile, String marker) throws IOException {
        return ServerProcess.readPid(pidFile)
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info()
                        .commandLine()
                        .map(line -> line.contains(marker))
                        .orElse(true));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage();
                System.exit(2);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    private static void usage() {
        System.err.println("usage: Platform start|stop|status [--dir run] [--kafka-port 9092] [--s3-port 9000]"
                + " [--access-key nightmare] [--secret-key nightmare-secret]");
    }
}
