package dev.nightmare.worker.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * This worker process's directory for a round's files while they upload and a video while it is
 * made: {@code nightmare-worker-<pid>} in the temporary directory. A worker killed mid-upload
 * leaves its files behind, and a container restarted in the same pod keeps its {@code /tmp}
 * volume; so when the directory is made, the directories of processes that are gone (and this
 * pid's own, from an earlier process that had it) are deleted. Live workers sharing the host's
 * temporary directory (several started by {@code run-local.sh}) keep theirs.
 */
public final class ScratchDir {
    private static final Logger LOG = Logger.getLogger(ScratchDir.class);
    private static final String PREFIX = "nightmare-worker-";

    private static volatile Path current;

    private ScratchDir() {}

    /** The process's directory, made (and the stale ones swept) on first use. */
    public static Path current() {
        Path dir = current;
        if (dir == null) {
            synchronized (ScratchDir.class) {
                if (current == null) {
                    current = prepare(
                            Path.of(System.getProperty("java.io.tmpdir")),
                            ProcessHandle.current().pid());
                }
                dir = current;
            }
        }
        return dir;
    }

    /**
     * Makes {@code base/nightmare-worker-<pid>} empty, after deleting the directories in {@code
     * base} of processes no longer running.
     */
    static Path prepare(Path base, long pid) {
        try {
            Files.createDirectories(base);
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*")) {
                for (Path dir : dirs) {
                    OptionalLong owner = pidOf(dir);
                    boolean stale = owner.isPresent()
                            && (owner.getAsLong() == pid
                                    || ProcessHandle.of(owner.getAsLong())
                                            .map(ProcessHandle::isAlive)
                                            .isEmpty());
                    if (stale && Files.isDirectory(dir)) {
                        long removed = deleteTree(dir);
                        if (removed > 0 && owner.getAsLong() != pid) {
                            LOG.infof("removed %d file(s) a stopped worker left in its scratch directory", removed);
                        }
                    }
                }
            }
            return Files.createDirectories(base.resolve(PREFIX + pid));
        } catch (IOException e) {
            throw new UncheckedIOException("the worker's scratch directory cannot be made in " + base, e);
        }
    }

    private static OptionalLong pidOf(Path dir) {
        String name = dir.getFileName().toString().substring(PREFIX.length());
        try {
            return OptionalLong.of(Long.parseLong(name));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Deletes the directory and what is in it; returns how many files were in it. */
    private static long deleteTree(Path dir) throws IOException {
        long[] files = {0};
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    files[0] += Files.isDirectory(p) ? 0 : 1;
                }
                Files.deleteIfExists(p);
            }
        }
        return files[0];
    }
}
