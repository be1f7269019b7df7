package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.platform.testing.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a worker killed mid-upload left behind goes at the next start; a live worker's files stay. */
class ScratchDirTest {
    @Test
    void stoppedWorkersDirectoriesGoLiveOnesStayAndThisPidsStartsEmpty() throws Exception {
        Path base = TestDirs.create("scratch");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Process running = new ProcessBuilder("sleep", "60").start();
        try {
            long me = 4_000_000_000L; // a pid no earlier process had: this worker's
            Path stale = leftover(base, gone.pid());
            Path live = leftover(base, running.pid());
            Path mine = leftover(base, me);
            Path unrelated = Files.createDirectories(base.resolve("nightmare-worker-notes"));

            Path dir = ScratchDir.prepare(base, me);

            assertThat(dir).isEqualTo(mine).isEmptyDirectory();
            assertThat(stale).doesNotExist();
            assertThat(live.resolve("nightmare-job-round-0.png")).exists();
            assertThat(unrelated).exists();
        } finally {
            running.destroy();
        }
    }

    private static Path leftover(Path base, long pid) throws Exception {
        Path dir = Files.createDirectories(base.resolve("nightmare-worker-" + pid));
        Files.write(dir.resolve("nightmare-job-round-0.png"), new byte[] {1, 2, 3});
        Files.createDirectories(dir.resolve("nested"));
        Files.write(dir.resolve("nested").resolve("part"), new byte[] {4});
        return dir;
    }
}
