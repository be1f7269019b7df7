package dev.nightmare.systemtests;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The images users really send, of any size: PNG as RGB, grey, palette, with alpha and with 16-bit
 * samples; JPEG as baseline, progressive, grey and CMYK (Adobe, as print software writes it). The
 * content is a seeded gradient with noise, so files have realistic sizes and every pixel differs.
 */
final class FieldImages {
    /** One kind of file. */
    enum Kind {
        PNG_RGB("png", "image/png"),
        PNG_GREY("png", "image/png"),
        PNG_PALETTE("png", "image/png"),
        PNG_ALPHA("png", "image/png"),
        PNG_16_BIT("png", "image/png"),
        JPEG_BASELINE("jpg", "image/jpeg"),
        JPEG_PROGRESSIVE("jpg", "image/jpeg"),
        JPEG_GREY("jpg", "image/jpeg"),
        JPEG_CMYK("jpg", "image/jpeg");

        final String extension;
        final String mediaType;

        Kind(String extension, String mediaType) {
            this.extension = extension;
            this.mediaType = mediaType;
        }
    }

    private FieldImages() {}

    static byte[] make(Kind kind, int width, int height, long seed) {
        Random random = new Random(seed);
        return switch (kind) {
            case PNG_RGB -> write(rgb(width, height, random, BufferedImage.TYPE_INT_RGB), "png", null);
            case PNG_GREY -> write(rgb(width, height, random, BufferedImage.TYPE_BYTE_GRAY), "png", null);
            case PNG_PALETTE -> write(palette(width, height, random), "png", null);
            case PNG_ALPHA -> write(rgb(width, height, random, BufferedImage.TYPE_INT_ARGB), "png", null);
            case PNG_16_BIT -> write(rgb(width, height, random, BufferedImage.TYPE_USHORT_GRAY), "png", null);
            case JPEG_BASELINE -> write(rgb(width, height, random, BufferedImage.TYPE_INT_RGB), "jpeg", false);
            case JPEG_PROGRESSIVE -> write(rgb(width, height, random, BufferedImage.TYPE_INT_RGB), "jpeg", true);
            case JPEG_GREY -> write(rgb(width, height, random, BufferedImage.TYPE_BYTE_GRAY), "jpeg", false);
            case JPEG_CMYK -> cmyk(width, height, random);
        };
    }

    private static BufferedImage rgb(int width, int height, Random random, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        int shift = random.nextInt(256);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (x * 255 / Math.max(1, width - 1) + shift + random.nextInt(24)) & 0xff;
                int g = (y * 255 / Math.max(1, height - 1) + random.nextInt(24)) & 0xff;
                int b = ((x + y) * 3 + random.nextInt(24)) & 0xff;
                int a = 128 + random.nextInt(128);
                image.setRGB(x, y, a << 24 | r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    private static BufferedImage palette(int width, int height, Random random) {
        byte[] r = new byte[16];
        byte[] g = new byte[16];
        byte[] b = new byte[16];
        random.nextBytes(r);
        random.nextBytes(g);
        random.nextBytes(b);
        BufferedImage image =
                new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(4, 16, r, g, b));
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setSample(x, y, 0, (x / 7 + y / 5 + random.nextInt(2)) & 15);
            }
        }
        return image;
    }

    /** Adobe CMYK: the components stored inverted, with the APP14 segment that says so. */
    private static byte[] cmyk(int width, int height, Random random) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setPixel(x, y, new int[] {
                    255 - (x * 200 / Math.max(1, width)), 255 - (y * 200 / Math.max(1, height)),
                    255 - random.nextInt(60), 255 - random.nextInt(40)
                });
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(raster, null, null), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        byte[] jpeg = out.toByteArray();
        byte[] app14 = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] adobe = new byte[jpeg.length + app14.length];
        System.arraycopy(jpeg, 0, adobe, 0, 2);
        System.arraycopy(app14, 0, adobe, 2, app14.length);
        System.arraycopy(jpeg, 2, adobe, 2 + app14.length, jpeg.length - 2);
        return adobe;
    }

    private static byte[] write(BufferedImage image, String format, Boolean progressive) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (progressive != null) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.85f);
                param.setProgressiveMode(progressive ? ImageWriteParam.MODE_DEFAULT : ImageWriteParam.MODE_DISABLED);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
