package dev.nightmare.video;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * One picture of an animation: 8-bit RGB, packed {@code 0xRRGGBB} row by row. Frames are made from
 * the round images as they are stored (JPEG or PNG), so a video shows exactly the rounds a user can
 * download, and the command line and the service make the same video of the same run.
 *
 * @param rgb {@code width × height} pixels, row-major; not copied
 */
public record Frame(int width, int height, int[] rgb) {
    public Frame {
        if (width < 1 || height < 1 || rgb.length != (long) width * height) {
            throw new IllegalArgumentException("a " + width + "×" + height + " frame needs " + (long) width * height
                    + " pixels, not " + rgb.length);
        }
    }

    /** The image's pixels as RGB (alpha dropped, palettes and grey expanded). */
    public static Frame of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] &= 0xffffff;
        }
        return new Frame(w, h, rgb);
    }

    /** A JPEG or PNG (a stored round image) decoded. */
    public static Frame decode(byte[] imageBytes, String what) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(imageBytes));
        if (image == null) {
            throw new IOException(what + " is not an image ImageIO can read");
        }
        return of(image);
    }

    public static Frame read(Path file) throws IOException {
        return decode(Files.readAllBytes(file), file.toString());
    }

    public int pixel(int x, int y) {
        return rgb[y * width + x];
    }

    public BufferedImage toImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return image;
    }

    public boolean sameSize(Frame other) {
        return width == other.width && height == other.height;
    }
}
