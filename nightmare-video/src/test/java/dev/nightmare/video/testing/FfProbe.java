package dev.nightmare.video.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The independent check of a written animation: FFmpeg's {@code ffprobe} (Debian's {@code ffmpeg}
 * package) reads the file, counts its frames by decoding them, and reports the codec, profile, size,
 * frame rate and duration; {@code ffmpeg -f framemd5} hashes every decoded frame. Where the tools
 * are missing the test is skipped with the reason, except on CI ({@code CI} set), where that is a
 * failure: the check must run there.
 */
public final class FfProbe {
    private static final Path FFPROBE = Path.of("/usr/bin/ffprobe");
    private static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");

    private FfProbe() {}

    /** Skips the calling test where ffprobe is missing (fails it on CI). */
    public static void assumePresent() {
        boolean present = Files.isExecutable(FFPROBE) && Files.isExecutable(FFMPEG);
        if (!present && System.getenv("CI") != null) {
            throw new AssertionError("ffprobe and ffmpeg are needed on CI: apt-get install -y ffmpeg");
        }
        Assumptions.assumeTrue(present, "ffprobe is not installed (apt-get install -y ffmpeg)");
    }

    /**
     * What ffprobe says of a file's first video stream.
     *
     * @param frames frames decoded ({@code -count_frames})
     * @param seconds the container's duration
     */
    public record Stream(
            String codec,
            String profile,
            int width,
            int height,
            String pixelFormat,
            String frameRate,
            long frames,
            double seconds,
            String formatName,
            Map<String, String> all) {}

    public static Stream probe(Path file) throws IOException {
        String out = run(List.of(
                FFPROBE.toString(),
                "-v",
                "error",
                "-count_frames",
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=codec_name,profile,width,height,pix_fmt,r_frame_rate,nb_read_frames,color_space,"
                        + "color_range,level:format=duration,format_name",
                "-of",
                "default=noprint_wrappers=1",
                file.toString()));
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.putIfAbsent(
                        line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        assertThat(values).as("ffprobe of " + file + ":\n" + out).containsKeys("codec_name", "nb_read_frames");
        return new Stream(
                values.get("codec_name"),
                values.get("profile"),
                Integer.parseInt(values.get("width")),
                Integer.parseInt(values.get("height")),
                values.get("pix_fmt"),
                values.get("r_frame_rate"),
                Long.parseLong(values.get("nb_read_frames")),
                Double.parseDouble(values.getOrDefault("duration", "NaN")),
                values.get("format_name"),
                values);
    }

    /** The MD5 of every decoded frame, in order, as RGB24 ({@code ffmpeg -f framemd5}). */
    public static List<String> frameHashes(Path file) throws IOException {
        String out = run(List.of(
                FFMPEG.toString(), "-v", "error", "-i", file.toString(), "-pix_fmt", "rgb24", "-f", "framemd5", "-"));
        List<String> hashes = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*0,.*,\\s*([0-9a-f]{32})\\s*$").matcher(out);
        while (m.find()) {
            hashes.add(m.group(1));
        }
        return hashes;
    }

    /**
     * The frame {@code index} decoded by ffmpeg as RGB bytes ({@code width·height·3}), for comparing
     * what a player shows with what was written.
     */
    public static byte[] decodeFrame(Path file, int index) throws IOException {
        Path raw = Files.createTempFile("frame-", ".rgb");
        try {
            run(List.of(
                    FFMPEG.toString(),
                    "-v",
                    "error",
                    "-y",
                    "-i",
                    file.toString(),
                    "-vf",
                    "select=eq(n\\," + index + ")",
                    "-vframes",
                    "1",
                    "-pix_fmt",
                    "rgb24",
                    "-f",
                    "rawvideo",
                    raw.toString()));
            return Files.readAllBytes(raw);
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    private static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.getFirst() + " did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + text);
        }
        return text;
    }
}
