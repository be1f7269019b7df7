package dev.nightmare.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;

/** CMYK and other four-component JPEGs decode to the colours darknet's stb_image gives them. */
class FourComponentJpegTest {
    @Test
    void adobeCmykIsEachColourTimesKOver255AsStbImageDecodesIt() {
        // Adobe stores CMYK inverted: C=200 means 55 of cyan ink; with K=255 (no black) red is 200.
        byte[] cmyk = withAdobeSegment(fourComponents(200, 100, 50, 255), 0);

        Image image = ImageCodec.decode(cmyk, "cmyk.jpg", 1 << 20);

        assertThat(image.channels()).isEqualTo(3);
        assertThat(FourComponentJpeg.components(cmyk)).isEqualTo(4);
        assertThat(FourComponentJpeg.adobeTransform(cmyk)).isZero();
        assertColour(image, 200, 100, 50);
        Image darker = ImageCodec.decode(withAdobeSegment(fourComponents(200, 100, 50, 128), 0), "k.jpg", 1 << 20);
        assertColour(
                darker,
                FourComponentJpeg.blinn(200, 128),
                FourComponentJpeg.blinn(100, 128),
                FourComponentJpeg.blinn(50, 128));
    }

    @Test
    void withoutAnAdobeSegmentTheFirstThreeComponentsAreYCbCrAndTheFourthIsIgnored() {
        // Y=128, Cb=Cr=128 is mid grey whatever the fourth component says.
        Image grey = ImageCodec.decode(fourComponents(128, 128, 128, 7), "ycc.jpg", 1 << 20);

        assertThat(FourComponentJpeg.adobeTransform(fourComponents(128, 128, 128, 7)))
                .isEqualTo(-1);
        assertColour(grey, 128, 128, 128);
    }

    @Test
    void threeComponentJpegsAreNotTouched() throws IOException {
        byte[] rgb = ImageCodec.encode(new Image(8, 8, 3, new float[3 * 64]), ImageCodec.Format.JPG);
        assertThat(FourComponentJpeg.components(rgb)).isEqualTo(3);
    }

    private static void assertColour(Image image, int r, int g, int b) {
        int plane = image.width() * image.height();
        int centre = plane / 2 + image.width() / 2;
        assertThat(image.data()[centre] * 255).as("red").isCloseTo(r, org.assertj.core.data.Offset.offset(3f));
        assertThat(image.data()[plane + centre] * 255)
                .as("green")
                .isCloseTo(g, org.assertj.core.data.Offset.offset(3f));
        assertThat(image.data()[2 * plane + centre] * 255)
                .as("blue")
                .isCloseTo(b, org.assertj.core.data.Offset.offset(3f));
    }

    /** A 16×16 JPEG of one four-component value, as ImageIO writes a raster (no APP segment). */
    static byte[] fourComponents(int c0, int c1, int c2, int c3) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                raster.setPixel(x, y, new int[] {c0, c1, c2, c3});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(raster, null, null), null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** The JPEG with Adobe's APP14 segment (colour transform {@code transform}) after its SOI. */
    static byte[] withAdobeSegment(byte[] jpeg, int transform) {
        byte[] app14 = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] out = new byte[jpeg.length + app14.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(app14, 0, out, 2, app14.length);
        System.arraycopy(jpeg, 2, out, 2 + app14.length, jpeg.length - 2);
        return out;
    }
}
