package dev.nightmare.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.testing.Shared;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.w3c.dom.Node;

class ImageTextTest {
    private static final String RECIPE = "{\"schemaVersion\":1,\"options\":{\"layer\":12,\"rate\":0.01}}";

    private static Image dog() throws IOException {
        return ImageCodec.read(Shared.images().resolve("dog_200x150.png"), ImageCodec.DEFAULT_MAX_PIXELS);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ImageCodec.Format.class)
    void entriesAreReadBackAndEveryByteOfTheImageIsKept(ImageCodec.Format format) throws IOException {
        Image dog = dog();
        byte[] plain = ImageCodec.encode(dog, format);
        byte[] marked = ImageCodec.encode(dog, format, Map.of("nightmare-recipe", RECIPE));

        assertThat(ImageCodec.readText(marked)).containsExactly(Map.entry("nightmare-recipe", RECIPE));
        assertThat(ImageCodec.readText(plain)).isEmpty();
        // The marked file is the plain one with one block inserted, nothing else changed...
        int at = firstDifference(plain, marked);
        int inserted = marked.length - plain.length;
        assertThat(Arrays.copyOfRange(marked, at + inserted, marked.length))
                .isEqualTo(Arrays.copyOfRange(plain, at, plain.length));
        // ...before the pixel data, so the pixels decode as they were.
        assertThat(ImageCodec.decode(marked, "marked", 1 << 20).data())
                .isEqualTo(ImageCodec.decode(plain, "plain", 1 << 20).data());
    }

    @Test
    void pngEntryIsATextChunkAfterTheHeaderThatImageIoReads() throws IOException {
        byte[] png = ImageCodec.encode(dog(), ImageCodec.Format.PNG, Map.of("nightmare-recipe", RECIPE));
        assertThat(new String(png, 8 + 25 + 4, 4, StandardCharsets.ISO_8859_1)).isEqualTo("tEXt");
        Node entry = metadata(png, "javax_imageio_png_1.0", "tEXt");
        Node first = entry.getFirstChild();
        assertThat(first.getAttributes().getNamedItem("keyword").getNodeValue()).isEqualTo("nightmare-recipe");
        assertThat(first.getAttributes().getNamedItem("value").getNodeValue()).isEqualTo(RECIPE);
    }

    @Test
    void jpegEntryIsACommentAfterJfifThatImageIoReads() throws IOException {
        byte[] jpg = ImageCodec.encode(dog(), ImageCodec.Format.JPG, Map.of("nightmare-recipe", RECIPE));
        assertThat(jpg[2] & 0xff).isEqualTo(0xff);
        assertThat(jpg[3] & 0xff).as("JFIF's APP0 stays first").isEqualTo(0xe0);
        Node com = metadata(jpg, "javax_imageio_jpeg_image_1.0", "com");
        assertThat(com.getAttributes().getNamedItem("comment").getNodeValue()).isEqualTo("nightmare-recipe: " + RECIPE);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ImageCodec.Format.class)
    void textThatIsNotAsciiSurvivesAsUtf8(ImageCodec.Format format) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("title", "Schrei — «Skrik», 1893");
        entries.put("nightmare-recipe", RECIPE);
        byte[] file = ImageCodec.encode(dog(), format, entries);
        assertThat(ImageCodec.readText(file)).containsExactlyEntriesOf(entries);
        if (format == ImageCodec.Format.PNG) {
            assertThat(new String(file, StandardCharsets.ISO_8859_1)).contains("iTXttitle");
        }
    }

    @Test
    void compressedPngChunksAndPlainJpegCommentsAreRead() throws IOException {
        byte[] png = ImageCodec.encode(dog(), ImageCodec.Format.PNG);
        byte[] zText = chunk("zTXt", concat(bytes("note\0\0"), deflate(bytes("squeezed"))));
        byte[] iText = chunk("iTXt", concat(bytes("k\0\1\0en\0\0"), deflate("é".getBytes(StandardCharsets.UTF_8))));
        byte[] both = concat(Arrays.copyOf(png, 33), zText, iText, Arrays.copyOfRange(png, 33, png.length));
        assertThat(ImageCodec.readText(both)).containsExactly(Map.entry("note", "squeezed"), Map.entry("k", "é"));

        byte[] jpg = ImageCodec.encode(dog(), ImageCodec.Format.JPG);
        byte[] comment = concat(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 12}, bytes("plain note"));
        byte[] withComment = concat(Arrays.copyOf(jpg, 2), comment, Arrays.copyOfRange(jpg, 2, jpg.length));
        assertThat(ImageCodec.readText(withComment)).containsExactly(Map.entry(ImageText.COMMENT, "plain note"));
    }

    @Test
    void aPngChunkWithABadCrcIsSkipped() throws IOException {
        byte[] png = ImageCodec.encode(dog(), ImageCodec.Format.PNG, Map.of("a", "b"));
        png[33 + 8] ^= 1;
        assertThat(ImageCodec.readText(png)).isEmpty();
    }

    @Test
    void damagedFilesNeverThrow() throws IOException {
        Image small = ImageOps.resize(dog(), 9, 7);
        Random random = new Random(20);
        for (ImageCodec.Format format : ImageCodec.Format.values()) {
            byte[] file = ImageCodec.encode(small, format, Map.of("nightmare-recipe", RECIPE, "b", "é"));
            for (int n = 0; n <= file.length; n++) {
                byte[] cut = Arrays.copyOf(file, n);
                Map<String, String> read = ImageText.read(cut);
                assertThat(read.keySet()).isSubsetOf("nightmare-recipe", "b", ImageText.COMMENT);
            }
            for (int trial = 0; trial < 2000; trial++) {
                byte[] damaged = file.clone();
                for (int k = 0; k < 1 + random.nextInt(4); k++) {
                    damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
                }
                ImageText.read(damaged);
            }
        }
    }

    @Test
    void badKeysOversizedJpegTextAndOtherFilesAreRefused() throws IOException {
        Image small = ImageOps.resize(dog(), 9, 7);
        assertThatThrownBy(() -> ImageCodec.encode(small, ImageCodec.Format.PNG, Map.of("two words", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'two words' is not 1 to 79 letters");
        String huge = "x".repeat(70_000);
        assertThatThrownBy(() -> ImageCodec.encode(small, ImageCodec.Format.JPG, Map.of("big", huge)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 65533");
        assertThat(ImageCodec.readText(ImageCodec.encode(small, ImageCodec.Format.PNG, Map.of("big", huge))))
                .containsEntry("big", huge);
        assertThatThrownBy(() -> ImageText.insert(bytes("GIF89a"), Map.of("a", "b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PNG and JPEG files only");
        assertThat(ImageText.read(bytes("GIF89a"))).isEmpty();
    }

    private static Node metadata(byte[] file, String formatName, String element) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(file))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            ImageReader reader = readers.next();
            reader.setInput(in);
            IIOMetadata metadata = reader.getImageMetadata(0);
            Node found = find(metadata.getAsTree(formatName), element);
            reader.dispose();
            assertThat(found).as(element).isNotNull();
            return found;
        }
    }

    private static Node find(Node node, String name) {
        if (node.getNodeName().equals(name)) {
            return node;
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNextSibling()) {
            Node found = find(child, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static int firstDifference(byte[] a, byte[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static byte[] chunk(String type, byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(bytes(type));
        crc.update(data);
        return concat(
                ByteBuffer.allocate(4).putInt(data.length).array(),
                bytes(type),
                data,
                ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater();
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[256];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
