package dev.nightmare.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.testing.Shared;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageCodecTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dog_256", "dog_200x150", "eagle_200x150", "scream_240x300"})
    void decodesPngExactlyAsDarknetLoadedIt(String name) throws IOException {
        Image ours = ImageCodec.read(Shared.images().resolve(name + ".png"), ImageCodec.DEFAULT_MAX_PIXELS);
        Image darknets = FloatImageFile.read(Shared.images().resolve("loaded").resolve(name + ".input.f32"));
        assertThat(ours.width()).isEqualTo(darknets.width());
        assertThat(ours.height()).isEqualTo(darknets.height());
        assertThat(ours.data()).isEqualTo(darknets.data());
    }

    @Test
    void pngRoundTripKeepsDarknetsTruncatedBytes() {
        float[] data = {0f, 0.5f, 1f, 0.999f, 0.00392f, 0.7f};
        Image im = new Image(2, 1, 3, data);
        Image back = ImageCodec.decode(ImageCodec.encode(im, ImageCodec.Format.PNG), "round-trip", 100);
        for (int i = 0; i < data.length; i++) {
            assertThat(back.data()[i]).isEqualTo(ImageCodec.toByte(data[i]) / 255f);
        }
        assertThat(ImageCodec.toByte(0.5f)).isEqualTo(127);
        assertThat(ImageCodec.toByte(1f)).isEqualTo(255);
    }

    @Test
    void jpegIsWrittenAndReadable() throws IOException {
        Image im = ImageCodec.read(Shared.images().resolve("dog_200x150.png"), ImageCodec.DEFAULT_MAX_PIXELS);
        byte[] jpg = ImageCodec.encode(im, ImageCodec.Format.JPG);
        assertThat(jpg).startsWith(0xFF, 0xD8);
        Image back = ImageCodec.decode(jpg, "jpg", 1_000_000);
        double mean = 0;
        for (int i = 0; i < im.data().length; i++) {
            mean += Math.abs(im.data()[i] - back.data()[i]);
        }
        assertThat(mean / im.data().length).as("quality-80 JPEG stays close").isLessThan(0.03);
    }

    @Test
    void greyAndAlphaImagesBecomeThreeChannels() throws IOException {
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 1, 0, 200);
        Image g = ImageCodec.decode(png(grey), "grey", 100);
        assertThat(g.channels()).isEqualTo(3);
        // No colour management: the stored byte, as stb_image returns it.
        assertThat(g.get(1, 1, 0)).isEqualTo(200 / 255f);
        assertThat(g.get(1, 1, 2)).isEqualTo(200 / 255f);
        BufferedImage rgba = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x80FF0010);
        Image a = ImageCodec.decode(png(rgba), "rgba", 100);
        assertThat(new float[] {a.get(0, 0, 0), a.get(0, 0, 1), a.get(0, 0, 2)}).containsExactly(1f, 0f, 16 / 255f);
    }

    private static byte[] png(BufferedImage im) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(im, "png", out);
        return out.toByteArray();
    }

    @Test
    void refusesNonImagesEmptyTruncatedAndOversizedInputsWithReasons() throws IOException {
        assertThatThrownBy(() -> ImageCodec.decode(new byte[0], "empty.png", 100))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> ImageCodec.decode("not an image".getBytes(), "notes.txt", 100))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("not a recognised image");
        byte[] png = Files.readAllBytes(Shared.images().resolve("dog_200x150.png"));
        assertThatThrownBy(() -> ImageCodec.decode(Arrays.copyOf(png, png.length / 2), "half.png", 1_000_000))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("corrupt or truncated");
        assertThatThrownBy(() -> ImageCodec.decode(png, "dog.png", 1000))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("200×150 = 30000 pixels; at most 1000");
    }

    @Test
    void aJpegCutShortIsRefusedWhileOneMissingOnlyItsEndMarkerIsRead() throws IOException {
        byte[] jpeg = Files.readAllBytes(Shared.images().resolve("dog.jpg"));
        byte[] half = java.util.Arrays.copyOf(jpeg, jpeg.length / 2);
        byte[] noEndMarker = java.util.Arrays.copyOf(jpeg, jpeg.length - 2);

        assertThatThrownBy(() -> ImageCodec.decode(half, "half.jpg", ImageCodec.DEFAULT_MAX_PIXELS))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("half.jpg is truncated")
                .hasMessageContaining("expected a complete PNG or JPEG image");
        assertThat(ImageCodec.decode(noEndMarker, "no-eoi.jpg", ImageCodec.DEFAULT_MAX_PIXELS)
                        .width())
                .as("all the image data is there")
                .isEqualTo(768);
    }

    @Test
    void aHeaderClaimingHugeDimensionsIsRefusedBeforeDecoding() throws IOException {
        byte[] png = Files.readAllBytes(Shared.images().resolve("dog_200x150.png"));
        // IHDR width/height at bytes 16..23 (big-endian); the CRC no longer matches, the size check comes first.
        byte[] bomb = png.clone();
        java.nio.ByteBuffer.wrap(bomb, 16, 8).putInt(50_000).putInt(50_000);
        assertThatThrownBy(() -> ImageCodec.decode(bomb, "bomb.png", ImageCodec.DEFAULT_MAX_PIXELS))
                .isInstanceOf(ImageException.class)
                .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("50000×50000", "corrupt"));
    }
}
