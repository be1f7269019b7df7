package dev.nightmare.gateway.service;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A PNG reduced to its pixels: the chunks that define them (IHDR, PLTE, tRNS, IDAT, IEND) kept
 * byte for byte, everything else (text, ICC profiles, gamma, timestamps, private chunks) dropped.
 * The engine decodes sample values without colour management, so the pixels are unchanged, and an
 * upload of 64×48 pixels with 8 MB of text is stored as the few kilobytes it really is.
 */
final class PngChunks {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final Set<String> PIXELS = Set.of("IHDR", "PLTE", "tRNS", "IDAT", "IEND");

    private PngChunks() {}

    /** {@code png} with only the pixel-defining chunks; the input itself when it has no others. */
    static byte[] pixelsOnly(byte[] png) {
        ByteBuffer in = ByteBuffer.wrap(png);
        ByteArrayOutputStream out = new ByteArrayOutputStream(png.length);
        out.write(SIGNATURE, 0, SIGNATURE.length);
        int position = SIGNATURE.length;
        boolean dropped = false;
        // The file was decoded already, so its chunk structure is sound up to IEND.
        while (position + 12 <= png.length) {
            int length = in.getInt(position);
            String type = new String(png, position + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            int total = 12 + length;
            if (length < 0 || position + total > png.length) {
                break;
            }
            if (PIXELS.contains(type)) {
                out.write(png, position, total);
            } else {
                dropped = true;
            }
            position += total;
            if (type.equals("IEND")) {
                break;
            }
        }
        return dropped || position != png.length ? out.toByteArray() : png;
    }
}
