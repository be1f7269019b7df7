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

    public static byte[] encode(Image im) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + 4 * im.data().length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(im.width()).putInt(im.height()).putInt(im.channels());
        buffer.asFloatBuffer().put(im.data());
        return buffer.array();
    }

    public static Image decode(byte[] bytes, String name) {
        if (bytes.length < HEADER) {
            throw new ImageException(name + " is " + bytes.length + " bytes; a float image has a 12-byte header");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int w = buffer.getInt();
        int h = buffer.getInt();
        int c = buffer.getInt();
        if (w <= 0 || h <= 0 || c <= 0 || (long) w * h * c * 4 + HEADER != bytes.length) {
            throw new ImageException(name + " declares " + w + "×" + h + "×" + c + " but holds " + bytes.length
                    + " bytes; expected 12 + 4·w·h·c");
        }
        float[] data = new float[w * h * c];
        buffer.asFloatBuffer().get(data);
        return new Image(w, h, c, data);
    }

    public static Image read(Path file) throws IOException {
        return decode(Files.readAllBytes(file), file.toString());
    }

    public static Image read(InputStream in, String name) throws IOException {
        return decode(in.readAllBytes(), name);
    }

    public static void write(Image im, OutputStream out) throws IOException {
        out.write(encode(im));
    }

    /** Writes atomically: a temporary sibling, then a move. */
    public static void write(Image im, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, encode(im));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
