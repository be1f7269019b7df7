package dev.nightmare.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One server running as a child process on 127.0.0.1: started with its output appended to
 * {@code <dir>/<name>.log}, its pid in {@code <dir>/<name>.pid} and its address in
 * {@code <dir>/<name>.address}; stopped with SIGTERM (then SIGKILL after {@link #STOP_TIMEOUT}),
 * also from a JVM shutdown hook unless it was started detached. Subclasses say how to launch it and
 * when it is ready.
 */
abstract class ServerProcess implements AutoCloseable {
    /** How long a clean stop may take before the process is killed. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    static final String LOOPBACK = Ports.LOOPBACK;

    private final String name;
    private final Path dir;
    private final int port;
    private final boolean detached;
    private Process process;
    private Thread shutdownHook;

    ServerProcess(String name, Path dir, int port, boolean detached) {
        this.name = name;
        this.dir = dir.toAbsolutePath().normalize();
        this.port = port;
        this.detached = detached;
    }

    /** The command line that runs the server in the foreground. */
    abstract List<String> command() throws IOException;

    /** Prepares the directory before the first launch (config files, storage format). */
    abstract void prepare() throws IOException;

    /** Whether the server answers; {@code newLog} is what it wrote since this launch. */
    abstract boolean ready(String newLog) throws IOException;

    /** How long to wait for {@link #ready}: servers on a busy two-core machine start slowly. */
    abstract Duration startTimeout();

    /** The address clients use, written to {@code <name>.address}. */
    abstract String address();

    public final Path dir() {
        return dir;
    }

    public final int port() {
        return port;
    }

    public final Path logFile() {
        return dir.resolve(name + ".log");
    }

    public final Path pidFile() {
        return dir.resolve(name + ".pid");
    }

    public final Path addressFile() {
        return dir.resolve(name + ".address");
    }

    /** The child's pid; throws when it is not running. */
    public final synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return process.pid();
    }

    public final synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Launches the server and blocks until it is ready; throws (after stopping it) if it is not in time. */
    final synchronized void launch() throws IOException {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        Files.createDirectories(dir);
        prepare();
        if (!Ports.isFree(port)) {
            throw new IOException(name + ": 127.0.0.1:" + port + " is already in use");
        }
        long logStart = Files.exists(logFile()) ? Files.size(logFile()) : 0;
        ProcessBuilder builder = new ProcessBuilder(command())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        process = builder.start();
        if (!detached) {
            Process child = process;
            shutdownHook = new Thread(() -> terminate(child), name + "-stop");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        long deadline = System.nanoTime() + startTimeout().toNanos();
        try {
            while (!ready(readLogSince(logStart))) {
                if (!process.isAlive()) {
                    throw new IOException(name + " exited with status " + process.exitValue() + " while starting; "
                            + logFile() + " ends with:\n" + tail(readLogSince(logStart)));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            name + " was not ready within " + startTimeout().toSeconds() + " s; " + logFile()
                                    + " ends with:\n" + tail(readLogSince(logStart)));
                }
                Thread.sleep(100);
            }
        } catch (IOException | RuntimeException e) {
            stop();
            throw e;
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            throw new IOException(name + ": interrupted while starting", e);
        }
        writeAtomically(pidFile(), Long.toString(process.pid()));
        writeAtomically(addressFile(), address());
    }

    /**
     * Stops the server cleanly (SIGTERM, then SIGKILL after {@link #STOP_TIMEOUT}) and waits until it
     * has exited; its data stays in {@link #dir()} for a restart. Does nothing if it is not running.
     */
    public final synchronized void stop() {
        if (process == null) {
            return;
        }
        terminate(process);
        process = null;
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The hook is running or about to; it stops nothing that is not already stopped.
            }
            shutdownHook = null;
        }
        try {
            Files.deleteIfExists(pidFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server again after {@link #stop()}, on the same port and with the same data. */
    public final void restart() throws IOException {
        stop();
        launch();
    }

    /** Same as {@link #stop()}. */
    @Override
    public final void close() {
        stop();
    }

    static void terminate(Process process) {
        terminate(process.toHandle());
    }

    /** SIGTERM, wait, SIGKILL: the descendants first get the same treatment through their parent. */
    static boolean terminate(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return true;
        }
        handle.destroy();
        try {
            handle.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception notInTime) {
            handle.descendants().forEach(ProcessHandle::destroyForcibly);
            handle.destroyForcibly();
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                return false;
            }
            return false;
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The pid recorded in a pid file, if the file exists. */
    static Optional<Long> readPid(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(Files.readString(pidFile).strip()));
    }

    private String readLogSince(long offset) throws IOException {
        if (!Files.exists(logFile())) {
            return "";
        }
        try (InputStream in = Files.newInputStream(logFile())) {
            in.skipNBytes(Math.min(offset, Files.size(logFile())));
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 30), lines.length));
    }
}
