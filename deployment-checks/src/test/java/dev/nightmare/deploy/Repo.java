package dev.nightmare.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Paths in the repository and each service's own configuration, the source of truth for checks. */
final class Repo {
    private Repo() {}

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "repository root (with mvnw) not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** A service's application.properties (default profile). */
    static Properties serviceConfig(String module) {
        Properties p = new Properties();
        try (var in =
                Files.newInputStream(root().resolve(module).resolve("src/main/resources/application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static int httpPort(String module) {
        return Integer.parseInt(
                serviceConfig(module).getProperty("quarkus.http.port").strip());
    }

    static String read(String relative) {
        try {
            return Files.readString(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
