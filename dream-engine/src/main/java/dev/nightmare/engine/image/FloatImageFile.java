package dev.nightmare.engine.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Lossless float32 image files in the goldens' layout: int32 width, height, channels, then the
 * planar float32 values, little-endian. Used for round checkpoints: a saved round reads back
 * bit-exactly, so a resumed run continues exactly where it stopped.
 */
public final class FloatImageFile {
    private static final int HEADER = 12;

    private FloatImageFile() {}

    /** Values copied per read or write: a 64 KiB buffer whatever the image's size. */
    private static final int CHUNK_VALUES = 16_384;

    /** {@link #write} into a byte array (for small images and tests; large ones are streamed). */
    public static byte[] encode(Image im) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream((int) size(im));
        try {
            write(im, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Image decode(byte[] bytes, String name) {
        try {
            return read(new java.io.ByteArrayInputStream(bytes), name, Long.MAX_VALUE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Image read(Path file) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file.toString(), Long.MAX_VALUE);
        }
    }

    public static Image read(InputStream in, String name) throws IOException {
        return read(in, name, Long.MAX_VALUE);
    }

    /**
     * Reads a float image from a stream, into its float array only (no copy of the file).
     *
     * @param maxValues the most values (w·h·c) accepted, checked before anything is allocated
     * @throws ImageException for a short or over-long file, a bad header, or too many values
     */
    public static Image read(InputStream in, String name, long maxValues) throws IOException {
        byte[] header = in.readNBytes(HEADER);
        if (header.length < HEADER) {
            throw new ImageException(name + " is " + header.length + " bytes; a float image has a 12-byte header");
        }
        ByteBuffer head = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int w = head.getInt();
        int h = head.getInt();
        int c = head.getInt();
        long values = (long) w * h * c;
        if (w <= 0 || h <= 0 || c <= 0 || values > Integer.MAX_VALUE - 8) {
            throw new ImageException(name + " declares " + w + "×" + h + "×" + c
                    + "; expected a positive size of at most " + (Integer.MAX_VALUE - 8) + " values");
        }
        if (values > maxValues) {
            throw new ImageException(name + " declares " + w + "×" + h + "×" + c + " = " + values + " values; at most "
                    + maxValues + " are expected here");
        }
        float[] data = new float[(int) values];
        ByteBuffer chunk = ByteBuffer.allocate(4 * CHUNK_VALUES).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < data.length; ) {
            int n = Math.min(CHUNK_VALUES, data.length - at);
            int got = in.readNBytes(chunk.array(), 0, 4 * n);
            if (got < 4 * n) {
                throw new ImageException(name + " declares " + w + "×" + h + "×" + c + " but holds "
                        + (HEADER + 4L * at + got) + " bytes; expected 12 + 4·w·h·c = " + (HEADER + 4 * values));
            }
            chunk.rewind().asFloatBuffer().get(data, at, n);
            at += n;
        }
        if (in.read() >= 0) {
            throw new ImageException(name + " declares " + w + "×" + h + "×" + c
                    + " but holds more bytes; expected 12 + 4·w·h·c = " + (HEADER + 4 * values));
        }
        return new Image(w, h, c, data);
    }

    /** Writes the image in 64 KiB pieces: no second copy of it, whatever its size. */
    public static void write(Image im, OutputStream out) throws IOException {
        ByteBuffer chunk =
                ByteBuffer.allocate(Math.max(HEADER, 4 * CHUNK_VALUES)).order(ByteOrder.LITTLE_ENDIAN);
        chunk.putInt(im.width()).putInt(im.height()).putInt(im.channels());
        out.write(chunk.array(), 0, HEADER);
        float[] data = im.data();
        for (int at = 0; at < data.length; at += CHUNK_VALUES) {
            int n = Math.min(CHUNK_VALUES, data.length - at);
            chunk.clear();
            chunk.asFloatBuffer().put(data, at, n);
            out.write(chunk.array(), 0, 4 * n);
        }
    }

    /** The size of {@link #write}'s output for {@code im}. */
    public static long size(Image im) {
        return HEADER + 4L * im.data().length;
    }

    /** Writes atomically: a temporary sibling, then a move. */
    public static void write(Image im, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            write(im, out);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
