package dev.nightmare.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files to and from darknet's float images. Decoding reads the dimensions from the header
 * before decoding anything (no decompression bombs), keeps the file's own sample values (no colour
 * management, as stb_image), drops alpha, replicates grey, and scales bytes by 1/255. Encoding
 * writes darknet's bytes, {@code (unsigned char)(255·v)} (truncation), as JPEG quality 80 or PNG,
 * optionally with text entries ({@link ImageText}: a PNG text chunk, a JPEG comment) that leave the
 * pixel data exactly as it is without them.
 */
public final class ImageCodec {
    /** Default decoded-pixel limit: 40 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    public enum Format {
        JPG("jpg", "jpeg"),
        PNG("png", "png");

        private final String extension;
        private final String imageIoName;

        Format(String extension, String imageIoName) {
            this.extension = extension;
            this.imageIoName = imageIoName;
        }

        public String extension() {
            return extension;
        }

        public String mediaType() {
            return this == JPG ? "image/jpeg" : "image/png";
        }

        public static Format fromName(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "jpg", "jpeg" -> JPG;
                case "png" -> PNG;
                default -> throw new IllegalArgumentException("format '" + name + "' is unknown; expected jpg or png");
            };
        }
    }

    private ImageCodec() {}

    /** The size an image file declares, read from its header only. */
    public record Dimensions(int width, int height, String format) {}

    public static Dimensions probe(byte[] bytes, String name) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, name);
            try {
                reader.setInput(in, true, true);
                return new Dimensions(
                        reader.getWidth(0),
                        reader.getHeight(0),
                        reader.getFormatName().toLowerCase(Locale.ROOT));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw unreadable(name, e);
        }
    }

    public static Image read(Path file, long maxPixels) throws IOException {
        return decode(Files.readAllBytes(file), file.toString(), maxPixels);
    }

    /**
     * Decodes PNG, JPEG (or anything else ImageIO reads: BMP, GIF) to a 3-channel image. A file cut
     * short is an error, whatever the format (ImageIO's JPEG reader would fill it with grey).
     *
     * @param name what to call the image in messages
     * @throws ImageException if it is not an image, is corrupt, or has more than maxPixels pixels
     */
    public static Image decode(byte[] bytes, String name, long maxPixels) {
        if (bytes.length == 0) {
            throw new ImageException(name + " is empty (0 bytes); expected a PNG or JPEG image");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, name);
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new ImageException(name + " declares a " + w + "×" + h + " image; expected a positive size");
                }
                if (w * h > maxPixels) {
                    throw new ImageException(name + " is " + w + "×" + h + " = " + w * h + " pixels; at most "
                            + maxPixels + " are accepted (scale it down)");
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                boolean fourComponents =
                        reader.getFormatName().equalsIgnoreCase("jpeg") && FourComponentJpeg.components(bytes) == 4;
                java.awt.image.Raster raster = fourComponents ? reader.readRaster(0, null) : null;
                BufferedImage decoded = fourComponents ? null : reader.read(0);
                // ImageIO's JPEG reader fills missing data with grey and only warns; a cut-off file is
                // an error here (libjpeg words it "premature end of data segment").
                for (String warning : warnings) {
                    if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                        throw new ImageException(
                                name + " is truncated (" + warning + "); expected a complete PNG or JPEG image");
                    }
                }
                return fourComponents
                        ? FourComponentJpeg.toImage(raster, FourComponentJpeg.adobeTransform(bytes))
                        : toImage(decoded, name);
            } finally {
                reader.dispose();
            }
        } catch (ImageException e) {
            throw e;
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            throw unreadable(name, e);
        }
    }

    private static ImageReader readerFor(ImageInputStream in, String name) {
        if (in == null) {
            throw new ImageException(name + " cannot be read; expected a PNG or JPEG image");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new ImageException(name + " is not a recognised image; expected a PNG or JPEG file");
        }
        return readers.next();
    }

    private static ImageException unreadable(String name, Throwable e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ImageException(
                name + " is corrupt or truncated (" + why + "); expected a complete PNG or JPEG image", e);
    }

    /** Converts sample values without colour management: what stb_image returns, /255. */
    static Image toImage(BufferedImage buffered, String name) {
        int w = buffered.getWidth();
        int h = buffered.getHeight();
        Raster raster = buffered.getRaster();
        ColorModel model = buffered.getColorModel();
        float[] data = new float[3 * w * h];
        int plane = w * h;
        if (model instanceof IndexColorModel palette) {
            int[] index = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, index);
                for (int x = 0; x < w; x++) {
                    int p = y * w + x;
                    data[p] = palette.getRed(index[x]) / 255f;
                    data[plane + p] = palette.getGreen(index[x]) / 255f;
                    data[2 * plane + p] = palette.getBlue(index[x]) / 255f;
                }
            }
            return new Image(w, h, 3, data);
        }
        int bands = raster.getNumBands();
        int bits = raster.getSampleModel().getSampleSize(0);
        if (raster.getTransferType() != DataBuffer.TYPE_BYTE && raster.getTransferType() != DataBuffer.TYPE_USHORT) {
            throw new ImageException(
                    name + " has " + bits + "-bit samples of an unsupported type; expected 8- or 16-bit PNG or JPEG");
        }
        // stb_image reduces 16-bit samples to their high byte; sub-byte greys are scaled up.
        int shift = bits > 8 ? bits - 8 : 0;
        int maxSample = (1 << Math.min(bits, 8)) - 1;
        int colourBands = bands >= 3 ? 3 : 1;
        int[] row = new int[w];
        for (int b = 0; b < 3; b++) {
            int band = colourBands == 3 ? b : 0;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                int base = b * plane + y * w;
                for (int x = 0; x < w; x++) {
                    int v = row[x] >>> shift;
                    int byteValue = maxSample == 255 ? v : v * 255 / maxSample;
                    data[base + x] = byteValue / 255f;
                }
            }
        }
        return new Image(w, h, 3, data);
    }

    /** darknet's byte conversion: (unsigned char)(255·v), truncating; values are clamped first. */
    public static int toByte(float v) {
        float scaled = 255 * v;
        if (!(scaled > 0)) {
            return 0;
        }
        return scaled >= 255 ? 255 : (int) scaled;
    }

    /** A copy of the image in an {@code int} RGB buffer (for callers that draw on it; encoding needs none). */
    public static BufferedImage toBuffered(Image im) {
        if (im.channels() != 3) {
            throw new ImageException("only 3-channel images can be saved; this one has " + im.channels());
        }
        int w = im.width();
        int h = im.height();
        int plane = w * h;
        float[] d = im.data();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[plane];
        for (int p = 0; p < plane; p++) {
            rgb[p] = toByte(d[p]) << 16 | toByte(d[plane + p]) << 8 | toByte(d[2 * plane + p]);
        }
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    public static byte[] encode(Image im, Format format) {
        return encode(im, format, Map.of());
    }

    /** JPEG quality 80 (darknet's {@code save_image}) or lossless PNG, streamed ({@link #encode(Image, Format, Map, OutputStream)}). */
    public static void encode(Image im, Format format, OutputStream out) throws IOException {
        encode(im, format, Map.of(), out);
    }

    /**
     * {@link #encode(Image, Format)} with {@code text} entries added ({@link ImageText#insert}):
     * the same bytes with the entries' chunks or segments inserted, so the same pixels.
     */
    public static byte[] encode(Image im, Format format, Map<String, String> text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            encode(im, format, text, bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * {@link #encode(Image, Format, Map)} streamed to {@code out}: the encoder reads the float
     * image row by row through a byte view ({@link ByteView}) and its output goes on as it is
     * made, so besides the image itself only a few rows and one PNG chunk are held, whatever the
     * image's size.
     */
    public static void encode(Image im, Format format, Map<String, String> text, OutputStream out) throws IOException {
        ImageText.Inserting withText = ImageText.inserting(out, text);
        ImageWriter writer =
                ImageIO.getImageWritersByFormatName(format.imageIoName).next();
        // PNG's writer seeks back over one chunk to write its length (and flushes before each);
        // JPEG's never seeks, so its bytes pass straight through.
        try (ImageOutputStream ios = format == Format.PNG
                ? new MemoryCacheImageOutputStream(withText)
                : new PassThroughImageOutputStream(withText)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (format == Format.JPG) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.8f);
            }
            writer.write(null, new IIOImage(ByteView.of(im), null, null), param);
        } finally {
            writer.dispose();
        }
        withText.finish();
    }

    /** The text entries of a PNG or JPEG file ({@link ImageText#read}); nothing is decoded. */
    public static Map<String, String> readText(byte[] file) {
        return ImageText.read(file);
    }

    /** The text entries of a PNG or JPEG file on disk. */
    public static Map<String, String> readText(Path file) throws IOException {
        return ImageText.read(Files.readAllBytes(file));
    }

    /** Reads an image from a stream with a byte limit, then decodes it. */
    public static Image decode(InputStream in, String name, long maxBytes, long maxPixels) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
            throw new ImageException(name + " is larger than " + maxBytes + " bytes; send a smaller image");
        }
        return decode(bytes, name, maxPixels);
    }
}
