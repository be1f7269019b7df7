package dev.nightmare.engine.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools the native-build tests need (gcc, nm, readelf, nvcc, bash scripts). */
final class Tools {
    private Tools() {}

    record Result(int exitCode, String output) {}

    /** Runs {@code command} in {@code dir}, stdout and stderr together, failing after {@code timeoutSeconds}. */
    static Result run(Path dir, long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " ran past " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Result run(Path dir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(dir, timeoutSeconds, List.of(command));
    }

    /** Whether {@code tool} is on the PATH (runs {@code tool --version}). */
    static boolean available(String tool) {
        try {
            return run(Path.of("."), 30, tool, "--version").exitCode() == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The module directory (surefire runs tests there). */
    static Path module() {
        return Path.of("").toAbsolutePath();
    }

    /** The class-path entry whose file name contains {@code part}, e.g. {@code jcudnn-natives}. */
    static Path classPathEntry(String part) {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (Path.of(entry).getFileName().toString().contains(part)) {
                return Path.of(entry);
            }
        }
        throw new IllegalStateException(part + " is not on the test class path");
    }
}
