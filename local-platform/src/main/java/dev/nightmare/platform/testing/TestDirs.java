package dev.nightmare.platform.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fresh directories for test servers under {@code nightmare.platform.work-dir} (default
 * {@code target/local-platform} of the module under test), kept after the run so their logs can be
 * read when a test fails; {@code mvn clean} removes them.
 */
public final class TestDirs {
    /** System property naming the parent of the servers' directories. */
    public static final String WORK_DIR = "nightmare.platform.work-dir";

    private TestDirs() {}

    public static Path create(String prefix) throws IOException {
        Path parent = Path.of(System.getProperty(WORK_DIR, "target/local-platform"));
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent.toAbsolutePath(), prefix + "-");
    }
}
