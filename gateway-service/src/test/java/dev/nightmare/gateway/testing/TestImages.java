package dev.nightmare.gateway.testing;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/** Seeded test images, and broken ones: truncated, lying headers. */
public final class TestImages {
    private TestImages() {}

    /** A seeded random-noise image. */
    public static Image noise(int width, int height, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[3 * width * height];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextInt(256) / 255f;
        }
        return new Image(width, height, 3, data);
    }

    public static byte[] png(int width, int height) {
        return ImageCodec.encode(noise(width, height, 42), ImageCodec.Format.PNG);
    }

    public static byte[] jpg(int width, int height) {
        return ImageCodec.encode(noise(width, height, 7), ImageCodec.Format.JPG);
    }

    /** The first half of a valid PNG. */
    public static byte[] truncatedPng() {
        byte[] png = png(64, 64);
        return Arrays.copyOf(png, png.length / 2);
    }

    /** A tiny, valid-looking PNG whose IHDR claims {@code width × height} (a decompression-bomb header). */
    public static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height);
        ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /**
     * A valid black PNG of {@code width × height}, deflated row by row (a pixel flood: kilobytes on
     * the wire, {@code 3·w·h} bytes decoded).
     */
    public static byte[] solidPng(int width, int height) {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9), 1 << 16)) {
            byte[] row = new byte[1 + 3 * width];
            for (int y = 0; y < height; y++) {
                z.write(row);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height);
        ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** {@code png} with a tEXt chunk of {@code bytes} bytes after its header (metadata, no pixels). */
    public static byte[] withTextChunk(byte[] png, int bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int afterHeader = 8 + 12 + ByteBuffer.wrap(png, 8, 4).getInt();
        out.write(png, 0, afterHeader);
        byte[] text = new byte[bytes];
        byte[] keyword = "Comment\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(keyword, 0, text, 0, keyword.length);
        Arrays.fill(text, keyword.length, text.length, (byte) 'x');
        chunk(out, "tEXt", text);
        out.write(png, afterHeader, png.length - afterHeader);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] name = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(name);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
