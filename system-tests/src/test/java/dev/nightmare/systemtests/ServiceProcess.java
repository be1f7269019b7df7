package dev.nightmare.systemtests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A packaged Quarkus service ({@code quarkus-run.jar}) run as a child process on a free port, with
 * its configuration as system properties and its output in {@code <name>.log}; ready when {@code
 * /q/health/ready} answers 200. {@link #kill()} is {@code kill -9}.
 */
final class ServiceProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private ServiceProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * @param jvm extra JVM options (before {@code -jar})
     */
    static ServiceProcess start(String name, Path jar, List<String> jvm, Map<String, String> config, Path logDir)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not packaged: " + jar.toAbsolutePath()
                    + " (the reactor builds it before this module; alone: ./mvnw -pl " + name + " -am package)");
        }
        // One copy per module (…/<module>/target/quarkus-app/quarkus-run.jar), shared by its processes.
        Path module = jar.toAbsolutePath().getParent().getParent().getParent();
        jar = snapshot(jar, logDir.resolve("apps").resolve(module.getFileName().toString()));
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.add("-Dquarkus.http.port=" + port);
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new ServiceProcess(name, process, port, log);
    }

    /**
     * Copies the packaged app ({@code quarkus-app/}) beside the logs and returns the copy's jar, so
     * a rebuild of the module while the test runs cannot pull jars from under the process.
     */
    private static Path snapshot(Path jar, Path target) throws IOException {
        Path app = jar.toAbsolutePath().getParent();
        if (!Files.exists(target)) {
            try (Stream<Path> files = Files.walk(app)) {
                for (Path file : files.toList()) {
                    Path copy = target.resolve(app.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
        }
        return target.resolve(jar.getFileName().toString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    String name() {
        return name;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits until the service reports ready, or fails with the end of its log. */
    ServiceProcess awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - until < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(3))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + ":\n" + tail());
    }

    /** SIGKILL: no shutdown hooks, no goodbye to Kafka. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns how long the process took to exit (at most {@code timeout}, then it is killed). */
    Duration terminate(Duration timeout) throws InterruptedException {
        long began = System.nanoTime();
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return Duration.ofNanos(System.nanoTime() - began);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
