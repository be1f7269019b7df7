package dev.nightmare.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The encoder streams (rows read through a byte view, output passed on as it is made) and writes
 * exactly the bytes the copying encoder wrote: an int RGB copy of the whole image given to
 * ImageIO, then the text entries inserted into the finished file.
 */
class StreamedEncodeTest {
    private static final Map<String, String> TEXT = new LinkedHashMap<>(Map.of("nightmare", "{\"layer\":10}"));

    @ParameterizedTest
    @CsvSource({"PNG,1,1", "PNG,37,23", "PNG,256,171", "JPG,1,1", "JPG,37,23", "JPG,256,171", "JPG,640,480"})
    void writesTheBytesOfTheCopyingEncoder(ImageCodec.Format format, int w, int h) throws IOException {
        Image im = noise(w, h, w * 31 + h);
        assertThat(ImageCodec.encode(im, format)).isEqualTo(copyingEncode(im, format, Map.of()));
        assertThat(ImageCodec.encode(im, format, TEXT)).isEqualTo(copyingEncode(im, format, TEXT));
    }

    @ParameterizedTest
    @CsvSource({"PNG", "JPG"})
    void theSameBytesArriveWhateverTheStreamWritesAtOnce(ImageCodec.Format format) throws IOException {
        Image im = noise(64, 48, 7);
        ByteArrayOutputStream oneByOne = new ByteArrayOutputStream();
        ImageText.Inserting inserting = ImageText.inserting(oneByOne, TEXT);
        for (byte b : ImageCodec.encode(im, format)) {
            inserting.write(b);
        }
        inserting.finish();
        assertThat(oneByOne.toByteArray()).isEqualTo(ImageCodec.encode(im, format, TEXT));
    }

    @Test
    void aStreamThatIsNeitherPngNorJpegIsRefusedOnceItsHeadIsSeen() {
        ImageText.Inserting inserting = ImageText.inserting(OutputStream.nullOutputStream(), TEXT);
        assertThatThrownBy(() -> inserting.write("GIF89a-and-more".getBytes()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PNG and JPEG files only");
        ImageText.Inserting cut = ImageText.inserting(OutputStream.nullOutputStream(), TEXT);
        assertThatThrownBy(() -> {
                    cut.write(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
                    cut.finish();
                })
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The bound: what the encoder holds while it writes (the heap in use half-way through the
     * file, after a full collection, less what was in use before) is a few rows, where the copying
     * encoder held an int copy of the whole image (4 bytes a pixel) and the file.
     */
    @ParameterizedTest
    @CsvSource({"PNG", "JPG"})
    void whileItWritesTheEncoderHoldsAFewRowsNotAWholeImage(ImageCodec.Format format) throws IOException {
        Image im = noise(2048, 1536, 3);
        long pixels = (long) im.width() * im.height();
        long fileSize = ImageCodec.encode(im, format).length;

        HeapAtHalfway streamed = new HeapAtHalfway(fileSize / 2);
        ImageCodec.encode(im, format, TEXT, streamed);
        HeapAtHalfway copying = new HeapAtHalfway(fileSize / 2);
        copyingEncode(im, format, copying);

        assertThat(copying.held()).isGreaterThan(3 * pixels);
        assertThat(streamed.held()).isLessThan(pixels / 4);
    }

    /** A sink that, once {@code at} bytes have arrived, collects and notes the heap in use beyond what it was at creation. */
    private static final class HeapAtHalfway extends OutputStream {
        private final long at;
        private final long baseline = usedAfterCollection();
        private long written;
        private long held;
        private boolean measured;

        HeapAtHalfway(long at) {
            this.at = at;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            written += len;
            if (!measured && written >= at) {
                measured = true;
                held = usedAfterCollection() - baseline;
            }
        }

        long held() {
            assertThat(measured).as("the sink saw half the file").isTrue();
            return held;
        }

        private static long usedAfterCollection() {
            System.gc();
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }

    private static byte[] copyingEncode(Image im, ImageCodec.Format format, Map<String, String> text)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copyingEncode(im, format, out);
        return ImageText.insert(out.toByteArray(), text);
    }

    private static void copyingEncode(Image im, ImageCodec.Format format, OutputStream out) throws IOException {
        var writer = ImageIO.getImageWritersByFormatName(format == ImageCodec.Format.PNG ? "png" : "jpeg")
                .next();
        try (var ios = new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            var param = writer.getDefaultWriteParam();
            if (format == ImageCodec.Format.JPG) {
                param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.8f);
            }
            writer.write(null, new javax.imageio.IIOImage(ImageCodec.toBuffered(im), null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /** Values over the whole byte range and past it (clamped), so truncation and clamping are both exercised. */
    private static Image noise(int w, int h, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[3 * w * h];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextDouble() * 1.2 - 0.1);
        }
        return new Image(w, h, 3, data);
    }
}
