package dev.nightmare.systemtests;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Image files that lie or explode, built byte by byte (so a 6000×6000 one costs kilobytes here):
 * headers claiming sizes their data do not have, pixel floods that are small on the wire and huge
 * decoded, compressed-metadata bombs, truncations.
 */
final class HostileImages {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private HostileImages() {}

    /** A valid 8-bit RGB PNG of one colour: ~{@code w·h/1000} bytes, {@code 3·w·h} bytes decoded. */
    static byte[] solidPng(int width, int height) {
        return png(width, height, idat(width, height), null);
    }

    /** A PNG whose header claims {@code width × height} but whose data is one tiny row. */
    static byte[] pngClaiming(int width, int height) {
        return png(width, height, deflate(new byte[1 + 3]), null);
    }

    /**
     * A valid 8×8 PNG carrying a {@code zTXt} chunk that inflates to {@code inflatedBytes} (a
     * decompression bomb in metadata: decoders that read metadata expand it).
     */
    static byte[] pngWithMetadataBomb(long inflatedBytes) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.writeBytes("Comment".getBytes(StandardCharsets.ISO_8859_1));
        text.write(0); // keyword terminator
        text.write(0); // compression method: deflate
        text.writeBytes(deflateZeros(inflatedBytes));
        return png(8, 8, idat(8, 8), text.toByteArray());
    }

    /** A real 16×16 JPEG whose SOF header is patched to claim {@code width × height}. */
    /** A complete JPEG of seeded noise. */
    static byte[] noiseJpeg(int width, int height, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] data = new float[3 * width * height];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        return ImageCodec.encode(new Image(width, height, 3, data), ImageCodec.Format.JPG);
    }

    static byte[] jpegClaiming(int width, int height) {
        byte[] jpeg = ImageCodec.encode(new Image(16, 16, 3, new float[3 * 16 * 16]), ImageCodec.Format.JPG);
        for (int i = 0; i + 8 < jpeg.length; i++) {
            int marker = jpeg[i + 1] & 0xff;
            if ((jpeg[i] & 0xff) == 0xff && marker >= 0xc0 && marker <= 0xc2) {
                // FF Cn, length (2), precision (1), height (2), width (2)
                jpeg[i + 5] = (byte) (height >>> 8);
                jpeg[i + 6] = (byte) height;
                jpeg[i + 7] = (byte) (width >>> 8);
                jpeg[i + 8] = (byte) width;
                return jpeg;
            }
        }
        throw new IllegalStateException("no SOF marker in the encoder's JPEG");
    }

    /** A real image, cut to its first {@code fraction} of bytes. */
    static byte[] truncated(byte[] image, double fraction) {
        return Arrays.copyOf(image, (int) (image.length * fraction));
    }

    /** An 8-bit RGB PNG of the given size with random-looking content (incompressible, for real decodes). */
    static byte[] noisePng(int width, int height, long seed) {
        float[] data = new float[3 * width * height];
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextInt(256) / 255f;
        }
        return ImageCodec.encode(new Image(width, height, 3, data), ImageCodec.Format.PNG);
    }

    private static byte[] png(int width, int height, byte[] idat, byte[] ztxt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        if (ztxt != null) {
            chunk(out, "zTXt", ztxt);
        }
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Zero scanlines (filter 0, black pixels), deflated as they stream: no full image in memory. */
    private static byte[] idat(int width, int height) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(compressed, new Deflater(9), 1 << 16)) {
            byte[] row = new byte[1 + 3 * width];
            for (int y = 0; y < height; y++) {
                z.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return compressed.toByteArray();
    }

    private static byte[] deflateZeros(long count) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(compressed, new Deflater(9), 1 << 16)) {
            byte[] zeros = new byte[1 << 20];
            for (long left = count; left > 0; left -= zeros.length) {
                z.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return compressed.toByteArray();
    }

    private static byte[] deflate(byte[] bytes) {
        Deflater deflater = new Deflater();
        deflater.setInput(bytes);
        deflater.finish();
        byte[] buffer = new byte[64 + bytes.length * 2];
        int n = deflater.deflate(buffer);
        deflater.end();
        return Arrays.copyOf(buffer, n);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
