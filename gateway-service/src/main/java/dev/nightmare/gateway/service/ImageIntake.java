package dev.nightmare.gateway.service;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageException;
import dev.nightmare.engine.image.ImageOps;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns uploaded bytes into the job's input: refuses empty, oversized, non-image and corrupt
 * uploads with the right status (413, 415, 422), reads the dimensions from the header before
 * decoding anything (no decompression bombs), reserves the decode's memory in the {@link
 * DecodeBudget} (no pixel floods), decodes with the engine's {@link ImageCodec}, and downscales to
 * {@code maxSide} with the engine's {@link ImageOps#resize}. PNG and JPEG only: other formats
 * ImageIO reads (GIF, BMP, TIFF, WBMP) are 415, as the API says.
 */
public final class ImageIntake {
    private static final Set<String> ACCEPTED_FORMATS = Set.of("png", "jpeg");

    private ImageIntake() {}

    /**
     * The decoded (and possibly downscaled) input and its PNG bytes: the upload's own pixel chunks
     * when it was a PNG kept at its size (the worker decodes it with the same codec, so the pixels
     * are the same), else a fresh encoding; {@code sha256} names those bytes (one Idempotency-Key
     * names one input). Holds its decode's memory reservation until closed.
     */
    public record Input(
            Image image, int originalWidth, int originalHeight, byte[] png, String sha256, DecodeBudget.Permit permit)
            implements AutoCloseable {
        /** Gives the decode's memory back to the budget. */
        @Override
        public void close() {
            permit.close();
        }
    }

    public static Input read(byte[] bytes, long maxBytes, long maxPixels, Integer maxSide, DecodeBudget budget) {
        if (bytes == null || bytes.length == 0) {
            throw ApiException.field(422, "image", "image is empty (0 bytes); send a PNG or JPEG image");
        }
        if (bytes.length > maxBytes) {
            throw new ApiException(
                    413,
                    "image is " + bytes.length + " bytes; at most " + maxBytes + " are accepted",
                    List.of(new dev.nightmare.contracts.FieldProblem(
                            "image", "image is " + bytes.length + " bytes; at most " + maxBytes + " are accepted")),
                    0);
        }
        if (!recognised(bytes)) {
            throw ApiException.field(415, "image", "image is not a recognised image format; send a PNG or JPEG file");
        }
        ImageCodec.Dimensions size;
        try {
            size = ImageCodec.probe(bytes, "image");
        } catch (ImageException e) {
            throw ApiException.field(422, "image", e.getMessage());
        }
        if (!ACCEPTED_FORMATS.contains(size.format())) {
            throw ApiException.field(
                    415, "image", "image is a " + size.format().toUpperCase(Locale.ROOT) + " file; send a PNG or JPEG");
        }
        long pixels = (long) size.width() * size.height();
        if (size.width() <= 0 || size.height() <= 0) {
            throw ApiException.field(
                    422,
                    "image",
                    "image declares a " + size.width() + "×" + size.height() + " size; expected positive");
        }
        if (pixels > maxPixels) {
            throw ApiException.field(
                    422,
                    "image",
                    "image is " + size.width() + "×" + size.height() + " = " + pixels + " pixels; at most " + maxPixels
                            + " are accepted (scale it down)");
        }
        DecodeBudget.Permit permit = budget.reserve(size.width(), size.height());
        try {
            Image image;
            try {
                image = ImageCodec.decode(bytes, "image", maxPixels);
            } catch (ImageException e) {
                throw ApiException.field(422, "image", e.getMessage());
            }
            Image stored = downscale(image, maxSide);
            byte[] png = stored == image && size.format().equals("png")
                    ? PngChunks.pixelsOnly(bytes)
                    : ImageCodec.encode(stored, ImageCodec.Format.PNG);
            return new Input(stored, image.width(), image.height(), png, sha256(png), permit);
        } catch (RuntimeException | Error e) {
            permit.close();
            throw e;
        }
    }

    /** The image scaled so its longer side is at most {@code maxSide}, keeping the aspect ratio. */
    public static Image downscale(Image image, Integer maxSide) {
        int longer = Math.max(image.width(), image.height());
        if (maxSide == null || longer <= maxSide) {
            return image;
        }
        double scale = (double) maxSide / longer;
        int w = Math.max(1, (int) Math.round(image.width() * scale));
        int h = Math.max(1, (int) Math.round(image.height() * scale));
        return ImageOps.resize(image, w, h);
    }

    /** Hex SHA-256 of the bytes: names a stored input. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static boolean recognised(byte[] bytes) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            return in != null && ImageIO.getImageReaders(in).hasNext();
        } catch (IOException e) {
            return false;
        }
    }
}
