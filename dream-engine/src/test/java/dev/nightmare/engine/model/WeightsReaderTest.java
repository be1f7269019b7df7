package dev.nightmare.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsTinysRealWeightsWithTheWideSeenHeader() throws IOException {
        Model tiny =
                Model.load(Shared.models().resolve("tiny.cfg"), Shared.models().resolve("tiny.weights"), w -> {});
        ConvolutionalWeights first = tiny.convolutional(0);
        assertThat(first.batchNormalized()).isTrue();
        assertThat(first.kernels()).hasSize(16 * 3 * 3 * 3);
        for (float v : first.rollingVariance()) {
            assertThat(v).isPositive();
        }
        assertThat(tiny.convolutional(1)).as("maxpool carries nothing").isNull();
        assertThat(tiny.sha256())
                .isEqualTo(Model.sha256(
                        Shared.models().resolve("tiny.cfg"), Shared.models().resolve("tiny.weights")));
    }

    @Test
    void readsTheNarrowSeenHeaderOfOldFiles() throws IOException {
        NetworkSpec spec =
                NetworkSpec.parse("one.cfg", "[net]\n[convolutional]\nfilters=2\nsize=1\nactivation=linear\n", w -> {});
        ByteBuffer b = ByteBuffer.allocate(16 + 4 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0).putInt(1).putInt(0).putInt(7); // version 0.1: 32-bit seen
        for (int i = 0; i < 8; i++) {
            b.putFloat(i);
        }
        Path file = tmp.resolve("old.weights");
        Files.write(file, b.array());
        ConvolutionalWeights w = WeightsReader.read(spec, file).getFirst();
        assertThat(w.biases()).containsExactly(0f, 1f);
        assertThat(w.kernels()).containsExactly(2f, 3f, 4f, 5f, 6f, 7f);
    }

    @Test
    void truncatedAndOverlongFilesAreRefusedWithBothByteCounts() throws IOException {
        byte[] tiny = Files.readAllBytes(Shared.models().resolve("tiny.weights"));
        Path cfg = Shared.models().resolve("tiny.cfg");
        Path truncated = tmp.resolve("short.weights");
        Files.write(truncated, Arrays.copyOf(tiny, tiny.length - 4));
        assertThatThrownBy(() -> Model.load(cfg, truncated, w -> {}))
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining("is " + (tiny.length - 4) + " bytes but")
                .hasMessageContaining("needs " + tiny.length)
                .hasMessageContaining("truncated");
        Path overlong = tmp.resolve("long.weights");
        Files.write(overlong, Arrays.copyOf(tiny, tiny.length + 8));
        assertThatThrownBy(() -> Model.load(cfg, overlong, w -> {}))
                .hasMessageContaining("needs " + tiny.length)
                .hasMessageContaining("too long");
        Path empty = tmp.resolve("empty.weights");
        Files.write(empty, new byte[3]);
        assertThatThrownBy(() -> Model.load(cfg, empty, w -> {}))
                .hasMessageContaining("too short for a darknet weights header");
    }

    @Test
    void weightsForAnotherCfgAreRefused() {
        assertThatThrownBy(() -> Model.load(
                        Shared.models().resolve("vgg-conv.cfg"), Shared.models().resolve("tiny.weights"), w -> {}))
                .isInstanceOf(WeightsException.class)
                .hasMessageContaining("needs 58858768 (16-byte header + 14714688 floats)");
    }
}
