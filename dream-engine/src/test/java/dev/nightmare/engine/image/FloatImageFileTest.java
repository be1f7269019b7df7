package dev.nightmare.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checkpoint files streamed in pieces read back bit-exactly, and every malformed file says what is wrong. */
class FloatImageFileTest {
    @ParameterizedTest
    @CsvSource({"1,1,3", "129,77,3", "300,200,6"})
    void aStreamedImageReadsBackBitExactlyAndEqualsTheWholeEncoding(int w, int h, int c) throws IOException {
        Image im = random(w, h, c);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FloatImageFile.write(im, out);
        byte[] bytes = out.toByteArray();
        assertThat(bytes).isEqualTo(FloatImageFile.encode(im)).hasSize((int) FloatImageFile.size(im));
        Image back = FloatImageFile.read(new ByteArrayInputStream(bytes), "round", (long) w * h * c);
        assertThat(back.width()).isEqualTo(w);
        assertThat(back.channels()).isEqualTo(c);
        assertThat(Arrays.equals(back.data(), im.data())).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"-1", "1", "5"})
    void aFileOfTheWrongLengthIsRefusedWithTheLengthItShouldHave(int delta) {
        byte[] bytes = FloatImageFile.encode(random(40, 30, 3));
        byte[] wrong = Arrays.copyOf(bytes, bytes.length + delta * 4);
        assertThatThrownBy(() -> FloatImageFile.decode(wrong, "round-000001.f32"))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("round-000001.f32")
                .hasMessageContaining("expected 12 + 4·w·h·c = " + bytes.length);
    }

    @ParameterizedTest
    @CsvSource({"0,10,3", "10,-2,3", "65536,65536,3"})
    void aBadOrHugeHeaderIsRefusedBeforeAnythingIsAllocated(int w, int h, int c) {
        byte[] header = java.nio.ByteBuffer.allocate(12)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt(w)
                .putInt(h)
                .putInt(c)
                .array();
        assertThatThrownBy(() -> FloatImageFile.decode(header, "checkpoint"))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("declares");
    }

    @org.junit.jupiter.api.Test
    void moreValuesThanTheReaderExpectsAreRefused() {
        byte[] bytes = FloatImageFile.encode(random(40, 30, 3));
        assertThatThrownBy(() -> FloatImageFile.read(new ByteArrayInputStream(bytes), "checkpoint", 40 * 30 * 3 - 1))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("at most 3599");
        assertThatThrownBy(() -> FloatImageFile.decode(new byte[5], "checkpoint"))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("12-byte header");
    }

    private static Image random(int w, int h, int c) {
        SplittableRandom random = new SplittableRandom(w * 7L + h);
        float[] data = new float[w * h * c];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new Image(w, h, c, data);
    }
}
