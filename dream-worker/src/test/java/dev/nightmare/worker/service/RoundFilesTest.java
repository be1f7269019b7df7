package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.platform.testing.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A round's files hold exactly what the copying encoders made, go away when closed, and a scratch disk that fails names no path. */
class RoundFilesTest {
    private static final Map<String, String> TEXT = Map.of("nightmare", "{\"round\":3}");

    @ParameterizedTest
    @CsvSource({"PNG,1,1", "JPG,333,217", "PNG,1024,768"})
    void theFilesHoldTheRoundsImageAndCheckpointAndAreDeletedOnClose(ImageCodec.Format format, int w, int h)
            throws Exception {
        Path dir = TestDirs.create("round-files");
        Checkpoint round = new Checkpoint(3, noise(w, h), null);
        Path image;
        Path checkpoint;
        try (RoundFiles files = RoundFiles.write(dir, "job-1", round, format, TEXT)) {
            image = files.image();
            checkpoint = files.checkpoint();
            assertThat(Files.readAllBytes(image)).isEqualTo(ImageCodec.encode(round.image(), format, TEXT));
            assertThat(Files.readAllBytes(checkpoint)).isEqualTo(FloatImageFile.encode(round.image()));
        }
        assertThat(image).doesNotExist();
        assertThat(checkpoint).doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @org.junit.jupiter.api.Test
    void aScratchDirThatCannotBeWrittenIsAnOutageWhoseMessageNamesNoPath() throws Exception {
        ImageCodec.Format format = ImageCodec.Format.PNG;
        // A directory that went missing is made again; one that a file stands in for cannot be.
        Path gone = TestDirs.create("round-files").resolve("gone");
        try (RoundFiles files =
                RoundFiles.write(gone, "job-2", new Checkpoint(0, noise(8, 8), null), ImageCodec.Format.PNG, TEXT)) {
            assertThat(files.image()).exists();
        }
        Path missing = Files.write(TestDirs.create("round-files").resolve("a-file"), new byte[1]);
        Checkpoint round = new Checkpoint(0, noise(8, 8), null);
        assertThatThrownBy(() -> RoundFiles.write(missing, "job-2", round, format, TEXT))
                .isInstanceOf(TransientException.class)
                .hasMessageContaining("scratch disk")
                .hasMessageNotContaining(missing.toString())
                .hasMessageNotContaining("/");
    }

    private static Image noise(int w, int h) {
        SplittableRandom random = new SplittableRandom(w * 13L + h);
        float[] data = new float[3 * w * h];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble();
        }
        return new Image(w, h, 3, data);
    }
}
