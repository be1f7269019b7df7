package dev.nightmare.video;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The animation formats: MP4 (H.264 constrained baseline, which every browser, phone and chat app
 * plays) and GIF (larger and 256 colours a frame, but shown wherever an image is). Animated WebP is
 * not offered: no kept Java library encodes it (libwebp's animation encoder is native only), and
 * everything that plays WebP also plays MP4.
 */
public enum VideoFormat {
    MP4("mp4", "video/mp4", 60),
    /** GIF delays are hundredths of a second and browsers slow anything under 2 of them: at most 50 fps. */
    GIF("gif", "image/gif", 50);

    private final String extension;
    private final String mediaType;
    private final int maxFps;

    VideoFormat(String extension, String mediaType, int maxFps) {
        this.extension = extension;
        this.mediaType = mediaType;
        this.maxFps = maxFps;
    }

    /** The file extension and the name in options ({@code mp4}, {@code gif}). */
    public String extension() {
        return extension;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The highest frame rate this format plays back as written. */
    public int maxFps() {
        return maxFps;
    }

    /** The format named {@code name} (any case), or an {@link IllegalArgumentException} saying which exist. */
    public static VideoFormat fromName(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        for (VideoFormat f : values()) {
            if (f.extension.equals(n)) {
                return f;
            }
        }
        if (n.equals("webp")) {
            throw new IllegalArgumentException(
                    "animated WebP is not supported (no kept Java encoder); use mp4, which plays wherever WebP"
                            + " does, or gif");
        }
        throw new IllegalArgumentException("animation format '" + name + "' is unknown; expected mp4 or gif");
    }

    /** The format a file name's extension names ({@code out.mp4}, {@code loop.GIF}). */
    public static VideoFormat ofFile(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException(
                    "'" + file + "' has no extension to tell the format; name it NAME.mp4 or NAME.gif");
        }
        return fromName(name.substring(dot + 1));
    }
}
