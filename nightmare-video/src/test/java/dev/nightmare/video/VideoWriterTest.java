package dev.nightmare.video;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nightmare.video.testing.FfProbe;
import dev.nightmare.video.testing.TestFrames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Written files as an independent reader (ffprobe, ffmpeg) sees them. */
class VideoWriterTest {
    @TempDir
    Path dir;

    @Test
    void mp4IsConstrainedBaselineH264WithEveryFrameAndTheDuration() throws Exception {
        FfProbe.assumePresent();
        Path file = dir.resolve("out.mp4");
        try (VideoWriter writer = VideoWriter.open(file, VideoFormat.MP4, 24)) {
            for (int i = 0; i < 60; i++) {
                writer.write(TestFrames.pattern(448, 352, i * 0.2, i));
            }
            assertThat(writer.frames()).isEqualTo(60);
        }
        FfProbe.Stream s = FfProbe.probe(file);
        assertThat(s.codec()).isEqualTo("h264");
        assertThat(s.profile()).isEqualTo("Constrained Baseline");
        assertThat(s.width()).isEqualTo(448);
        assertThat(s.height()).isEqualTo(352);
        assertThat(s.pixelFormat()).isEqualTo("yuv420p");
        assertThat(s.frameRate()).isEqualTo("24/1");
        assertThat(s.frames()).isEqualTo(60);
        assertThat(s.seconds()).isCloseTo(2.5, within(0.05));
        assertThat(s.formatName()).contains("mp4");
        assertThat(s.all()).containsEntry("color_space", "bt709").containsEntry("color_range", "tv");
    }

    @Test
    void mp4DecodesToTheColoursWritten() throws Exception {
        FfProbe.assumePresent();
        Path file = dir.resolve("colours.mp4");
        Frame frame = TestFrames.pattern(128, 96, 0, 7);
        try (VideoWriter writer = VideoWriter.open(file, VideoFormat.MP4, 10)) {
            writer.write(frame);
            writer.write(frame);
        }
        for (int index : new int[] {0, 1}) {
            byte[] decoded = FfProbe.decodeFrame(file, index);
            assertThat(decoded).hasSize(128 * 96 * 3);
            double error = 0;
            for (int i = 0; i < 128 * 96; i++) {
                int p = frame.rgb()[i];
                error += Math.abs(((p >> 16) & 0xff) - (decoded[3 * i] & 0xff))
                        + Math.abs(((p >> 8) & 0xff) - (decoded[3 * i + 1] & 0xff))
                        + Math.abs((p & 0xff) - (decoded[3 * i + 2] & 0xff));
            }
            // Lossy, but no shift of range or matrix (either would be tens of levels off).
            assertThat(error / (128 * 96 * 3))
                    .as("mean error of frame " + index)
                    .isLessThan(5);
        }
    }

    @Test
    void mp4OfAnOddSizeLeavesOutTheLastColumnAndRow() throws Exception {
        FfProbe.assumePresent();
        Path file = dir.resolve("odd.mp4");
        try (VideoWriter writer = VideoWriter.open(file, VideoFormat.MP4, 12)) {
            for (int i = 0; i < 3; i++) {
                writer.write(TestFrames.pattern(101, 77, i, i));
            }
        }
        FfProbe.Stream s = FfProbe.probe(file);
        assertThat(s.width()).isEqualTo(100);
        assertThat(s.height()).isEqualTo(76);
        assertThat(s.frames()).isEqualTo(3);
    }

    @Test
    void mp4OfNoiseStillFits() throws Exception {
        FfProbe.assumePresent();
        Path file = dir.resolve("noise.mp4");
        try (VideoWriter writer = VideoWriter.open(file, VideoFormat.MP4, 30)) {
            for (int i = 0; i < 4; i++) {
                writer.write(TestFrames.noise(320, 240, i));
            }
        }
        assertThat(FfProbe.probe(file).frames()).isEqualTo(4);
    }

    @Test
    void gifLoopsAndKeepsTimeWithWholeHundredths() throws Exception {
        FfProbe.assumePresent();
        Path file = dir.resolve("out.gif");
        try (VideoWriter writer = VideoWriter.open(file, VideoFormat.GIF, 24)) {
            for (int i = 0; i < 48; i++) {
                writer.write(TestFrames.pattern(120, 90, i * 0.3, i));
            }
        }
        FfProbe.Stream s = FfProbe.probe(file);
        assertThat(s.codec()).isEqualTo("gif");
        assertThat(s.width()).isEqualTo(120);
        assertThat(s.height()).isEqualTo(90);
        assertThat(s.frames()).isEqualTo(48);
        // Delays 4, 4, 5, 4, 4, 4, 5, …: 48 frames at 24 fps take 2 s exactly.
        assertThat(s.seconds()).isCloseTo(2.0, within(0.011));
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                .contains("NETSCAPE2.0");
    }

    @Test
    void framesOfAnotherSizeAreRefused() throws Exception {
        for (VideoFormat format : VideoFormat.values()) {
            Path file = dir.resolve("sizes." + format.extension());
            try (VideoWriter writer = VideoWriter.open(file, format, 10)) {
                writer.write(TestFrames.pattern(64, 48, 0, 1));
                assertThatThrownBy(() -> writer.write(TestFrames.pattern(48, 64, 0, 1)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("64×48");
            }
        }
    }

    @Test
    void formatsAreNamedByExtensionAndWebpIsExplained() {
        assertThat(VideoFormat.ofFile(Path.of("a/b/out.MP4"))).isEqualTo(VideoFormat.MP4);
        assertThat(VideoFormat.ofFile(Path.of("loop.gif"))).isEqualTo(VideoFormat.GIF);
        assertThatThrownBy(() -> VideoFormat.ofFile(Path.of("x.webp")))
                .hasMessageContaining("WebP is not supported")
                .hasMessageContaining("mp4");
        assertThatThrownBy(() -> VideoFormat.ofFile(Path.of("noext"))).hasMessageContaining("NAME.mp4");
        assertThatThrownBy(() -> new Animation(VideoFormat.GIF, 60, 0)).hasMessageContaining("1 to 50");
        assertThatThrownBy(() -> new Animation(VideoFormat.MP4, 24, -1)).hasMessageContaining("interpolate");
    }

    @Test
    void levelIsTheLowestThatHoldsSizeAndRate() {
        assertThat(Mp4Writer.Levels.lowest(448, 352, 24)).isEqualTo(30);
        assertThat(Mp4Writer.Levels.lowest(1280, 720, 30)).isEqualTo(31);
        assertThat(Mp4Writer.Levels.lowest(1920, 1080, 30)).isEqualTo(40);
        assertThat(Mp4Writer.Levels.lowest(4096, 2160, 24)).isEqualTo(51);
        assertThat(Mp4Writer.Levels.lowest(4096, 2160, 30)).isEqualTo(52);
        assertThatThrownBy(() -> Mp4Writer.Levels.lowest(16384, 16384, 24)).hasMessageContaining("6.2");
    }
}
