package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.engine.testing.TestModels;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class StackMemoryTest {
    @Test
    void countsEveryBufferOfASmallStack() {
        NetworkSpec spec = NetworkSpec.parse("mixed.cfg", TestModels.MIXED, w -> {});
        // 16×16: input and its gradient 3·256 each; conv 8×16×16 (2048); maxpool 8×8×8 (512) + argmax;
        // BN conv 12×8×8 (768) + pre-activation; output gradient 768; two deltas of 2048.
        long floats = 2 * 768 + 2048 + 2 * 512 + 2 * 768 + 768 + 2 * 2048;
        assertThat(StackMemory.bytes(spec, 2, 16, 16)).isEqualTo(floats * 4);
    }

    @Test
    void vggLayer10At512NeedsAboutHalfAGigabyte() throws IOException {
        NetworkSpec spec = NetworkSpec.read(Shared.models().resolve("vgg-conv.cfg"), w -> {});
        long bytes = StackMemory.bytes(spec, 10, 512, 512);
        assertThat(bytes).isBetween(300L << 20, 600L << 20);
    }

    @Test
    void doesNotFitNamesTheNeedTheFreeMemoryAndASizeThatFits() {
        String message = StackMemory.doesNotFit(10, 4000, 3000, 16L << 30, 4L << 30, "NVIDIA Test GPU");
        assertThat(message)
                .isEqualTo("not enough GPU memory: layer 10 at 4000×3000 needs 16.00 GiB, 4.00 GiB free on"
                        + " NVIDIA Test GPU; an input of about 2000×1500 would fit (or run it on a CPU backend)");
    }

    @Test
    void doesNotFitSaysSoWhenNothingFits() {
        assertThat(StackMemory.doesNotFit(3, 10, 10, 1L << 30, -5, "gpu"))
                .contains("nothing of that aspect ratio fits");
    }
}
