package dev.nightmare.platform.testing;

import dev.nightmare.platform.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A packaged Quarkus service ({@code quarkus-run.jar}) run by a test as a child process on a port of
 * its own, with its configuration as system properties and its output in {@code <name>.log}; ready
 * when {@code /q/health/ready} answers 200. {@link #kill()} is {@code kill -9}, {@link #pause()} /
 * {@link #resume()} are SIGSTOP / SIGCONT, and {@link #restart()} starts the same command on the
 * same port. The app is copied beside the logs first, so a rebuild of its module while the test
 * runs cannot pull jars from under the process.
 */
public final class AppProcess implements AutoCloseable {
    /** Quick start-up for tests that do not measure speed: C1 only, a small heap. */
    public static final List<String> TEST_JVM = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1");

    private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final String name;
    private final List<String> command;
    private final int port;
    private final Path log;
    private volatile Process process;

    private AppProcess(String name, List<String> command, int port, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.port = port;
        this.log = log;
    }

    /** Starts the app on a free port; call {@link #awaitReady} next. */
    public static AppProcess start(String name, Path jar, List<String> jvm, Map<String, String> config, Path logDir)
            throws IOException {
        return start(name, jar, Ports.free(), jvm, config, logDir);
    }

    /**
     * Starts the app on {@code port} (chosen before, when other processes must be told it).
     *
     * @param jvm JVM options (before {@code -jar})
     */
    public static AppProcess start(
            String name, Path jar, int port, List<String> jvm, Map<String, String> config, Path logDir)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not packaged: " + jar.toAbsolutePath()
                    + " (the reactor builds it first; alone: ./mvnw -pl <module> -am package)");
        }
        // One copy per module (…/<module>/target/quarkus-app/quarkus-run.jar), shared by its processes.
        Path module = jar.toAbsolutePath().getParent().getParent().getParent();
        Path copy = snapshot(
                jar, logDir.resolve("apps").resolve(module.getFileName().toString()));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.add("-Dquarkus.http.port=" + port);
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(copy.toString());
        Files.createDirectories(logDir);
        AppProcess app = new AppProcess(name, command, port, logDir.resolve(name + ".log"));
        app.launch();
        return app;
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /**
     * Starts the app again, after it exited or was stopped, with the same command on the same port
     * (its log goes on in the same file); call {@link #awaitReady} next.
     */
    public AppProcess restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        Await.until(name + "'s port " + port + " to be free", Duration.ofSeconds(30), () -> Ports.isFree(port));
        launch();
        return this;
    }

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

    public String name() {
        return name;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Waits until the app reports ready, or fails with the end of its log. */
    public AppProcess awaitReady(Duration timeout) throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - until < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            if (health("ready") == 200) {
                return this;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + ":\n" + tail());
    }

    /** The health endpoint's status code ({@code live} or {@code ready}), or -1 when nothing answers. */
    public int health(String which) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url() + "/q/health/" + which))
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGSTOP: the process freezes (threads, timers, sockets) until {@link #resume()}. */
    public void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill " + signal + " " + process.pid() + " failed: "
                    + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** Resident set size now, from {@code /proc/<pid>/status}. */
    public long rssBytes() throws IOException {
        return rssBytes(process.pid());
    }

    public static long rssBytes(long pid) throws IOException {
        Matcher m = VM_RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        if (!m.find()) {
            throw new IOException("no VmRSS for " + pid);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** Java heap in use right after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}). */
    public long heapAfterGcBytes() throws IOException, InterruptedException {
        return heapAfterGcBytes(process.pid());
    }

    public static long heapAfterGcBytes(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        long used = 0;
        // G1 prints one "garbage-first heap ... used NK" line; Serial and Parallel one per generation
        // (DefNew/Tenured, PSYoungGen/ParOldGen). Metaspace is not heap; space lines say "N% used".
        for (String line : info.split("\n")) {
            Matcher m = HEAP_USED.matcher(line);
            if (!line.contains("Metaspace") && !line.contains("class space") && m.find()) {
                used += Long.parseLong(m.group(1)) * 1024;
            }
        }
        if (used == 0) {
            throw new IOException("no heap figures in jcmd GC.heap_info of " + pid + ":\n" + info);
        }
        return used;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + command + " failed: " + out);
        }
        return out;
    }

    /** SIGKILL: no shutdown hooks, no goodbye to Kafka. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns how long the process took to exit (at most {@code timeout}, then it is killed). */
    public Duration terminate(Duration timeout) throws InterruptedException {
        long began = System.nanoTime();
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return Duration.ofNanos(System.nanoTime() - began);
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                resume(); // a paused process would not act on SIGTERM
            } catch (IOException | InterruptedException ignored) {
                // Best effort: SIGKILL below ends a paused process too.
            }
        }
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
