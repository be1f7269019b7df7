package dev.nightmare.modelstore.service;

import dev.nightmare.modelstore.InvalidModelException;
import dev.nightmare.modelstore.ModelVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The local, content-addressed home of every validated version: {@code <data-dir>/versions/NAME/<sha256>/}
 * holding {@code NAME.cfg}, {@code NAME.weights} and maybe {@code NAME.json}. A version is staged
 * in {@code <data-dir>/staging/}, validated there, and appears by one atomic directory rename, so a
 * reader never sees a partial version and a version's files never change once it exists.
 */
public final class VersionStore {
    private static final Logger LOG = Logger.getLogger(VersionStore.class);

    private final Path versions;
    private final Path staging;

    public VersionStore(Path dataDir) {
        Path root = dataDir.toAbsolutePath().normalize();
        this.versions = root.resolve("versions");
        this.staging = root.resolve("staging");
        try {
            Files.createDirectories(versions);
            Files.createDirectories(staging);
            // Left over from a crash mid-ingest: never published, never referenced.
            try (Stream<Path> old = Files.list(staging)) {
                old.forEach(VersionStore::deleteTree);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Validates a model from {@code inputs} into staging and publishes it as a version (or finds the
     * identical version already there).
     *
     * @throws InvalidModelException when the model cannot be served; nothing is kept
     */
    public ModelVersion ingest(String name, ModelValidator.Inputs inputs) throws InvalidModelException, IOException {
        Path stage = Files.createTempDirectory(staging, name + "-");
        try {
            ModelVersion staged = ModelValidator.validate(name, inputs, stage, warning -> {});
            Path target = directory(name, staged.sha256());
            Files.createDirectories(target.getParent());
            if (!Files.exists(target)) {
                try {
                    Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException
                        | AtomicMoveNotSupportedException
                        | java.nio.file.DirectoryNotEmptyException raced) {
                    // Another ingest of the same bytes won; its copy is identical by hash.
                }
            }
            return staged.withFiles(target.resolve(name + ".cfg"), target.resolve(name + ".weights"));
        } finally {
            deleteTree(stage);
        }
    }

    /** Every version on disk, re-validated (a damaged one is logged and left out). */
    public List<ModelVersion> loadAll() throws IOException {
        List<ModelVersion> loaded = new ArrayList<>();
        try (DirectoryStream<Path> names = Files.newDirectoryStream(versions, Files::isDirectory)) {
            for (Path nameDir : names) {
                String name = nameDir.getFileName().toString();
                try (DirectoryStream<Path> dirs = Files.newDirectoryStream(nameDir, Files::isDirectory)) {
                    for (Path dir : dirs) {
                        load(name, dir).ifPresent(loaded::add);
                    }
                }
            }
        }
        return loaded;
    }

    private static java.util.Optional<ModelVersion> load(String name, Path dir) {
        String sha = dir.getFileName().toString();
        Path cfg = dir.resolve(name + ".cfg");
        Path weights = dir.resolve(name + ".weights");
        try {
            ModelVersion version = ModelValidator.validate(
                            name, ModelValidator.files(cfg, weights, dir.resolve(name + ".json")), null, w -> {})
                    .withFiles(cfg, weights);
            if (!version.sha256().equals(sha)) {
                LOG.warnf("ignoring %s: its files hash to %s", dir, version.sha256());
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(version);
        } catch (InvalidModelException | IOException e) {
            LOG.warnf("ignoring damaged version %s: %s", dir, e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /** Whether this version of {@code name} is on disk. */
    public boolean contains(String name, String sha256) {
        return Files.isDirectory(directory(name, sha256));
    }

    /** The directory of a version ({@code versions/NAME/<sha256>}). */
    public Path directory(String name, String sha256) {
        return versions.resolve(name).resolve(sha256);
    }

    public Path stagingDir() {
        return staging;
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", root, e.getMessage());
        }
    }
}
