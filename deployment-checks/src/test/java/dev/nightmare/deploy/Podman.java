package dev.nightmare.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code podman} command as the container test uses it: as root, with {@code
 * docker/standins/containers.conf} (runc, open-file limits these machines allow) through {@code
 * CONTAINERS_CONF}.
 */
final class Podman {
    private Podman() {}

    /** @param output standard output; @param errors standard error (Podman's warnings go there) */
    record Result(int exit, String output, String errors) {
        boolean ok() {
            return exit == 0;
        }

        String all() {
            return output + (errors.isBlank() ? "" : "\n" + errors);
        }
    }

    static Path config() {
        return Repo.root().resolve("docker/standins/containers.conf");
    }

    /** Why the container test cannot run here, or empty when it can. */
    static Optional<String> unavailable() {
        for (String tool : List.of("podman", "runc", "debootstrap")) {
            if (onPath(tool).isEmpty()) {
                return Optional.of(tool + " is not installed (apt-get install podman runc debootstrap"
                        + " golang-github-containernetworking-plugin-dnsname)");
            }
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("the container test runs Podman as root (debootstrap and the image imports need it)");
        }
        Result info = run(Duration.ofSeconds(60), "info", "--format", "{{.Host.OCIRuntime.Name}}");
        if (!info.ok()) {
            return Optional.of("podman cannot run here: " + info.all().strip());
        }
        return Optional.empty();
    }

    static Optional<Path> onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .map(dir -> Path.of(dir, tool))
                .filter(Files::isExecutable)
                .findFirst();
    }

    static Result run(Duration timeout, String... args) {
        return run(timeout, List.of(args));
    }

    static Result run(Duration timeout, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add("podman");
        command.addAll(args);
        return exec(timeout, command);
    }

    /** Runs podman and returns its output, or fails with it. */
    static String ok(Duration timeout, String... args) {
        return ok(timeout, List.of(args));
    }

    static String ok(Duration timeout, List<String> args) {
        Result result = run(timeout, args);
        if (!result.ok()) {
            throw new AssertionError(
                    "podman " + String.join(" ", args) + " exited " + result.exit() + ":\n" + tail(result.all(), 4000));
        }
        return result.output();
    }

    /** Any command, with this harness's podman configuration in its environment. */
    static Result exec(Duration timeout, List<String> command) {
        try {
            Path out = Files.createTempFile("podman", ".out");
            Path err = Files.createTempFile("podman", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .directory(Repo.root().toFile());
                builder.environment().put("CONTAINERS_CONF", config().toString());
                Process process = builder.start();
                boolean done = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
                if (!done) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
                String stdout = Files.readString(out, StandardCharsets.UTF_8);
                String stderr = Files.readString(err, StandardCharsets.UTF_8);
                return done
                        ? new Result(process.exitValue(), stdout, stderr)
                        : new Result(124, stdout, stderr + "\n(timed out after " + timeout + ")");
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String tail(String text, int chars) {
        return text.length() <= chars ? text : "…" + text.substring(text.length() - chars);
    }
}
