package dev.nightmare.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.gateway.testing.TestImages;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Decoding uploads under a memory budget: pixel floods refused before decoding, memory held until done. */
class ImageIntakeTest {
    private static final long MAX_BYTES = 20 << 20;
    private static final long MAX_PIXELS = 40_000_000;

    @Test
    void pixelFloodLargerThanTheDecodeBudgetIsRefusedBeforeDecoding() {
        byte[] flood = TestImages.solidPng(6000, 6000); // ~100 KB, 36 M pixels
        DecodeBudget budget = new DecodeBudget(64L << 20, 100);
        long began = System.nanoTime();
        assertThatThrownBy(() -> ImageIntake.read(flood, MAX_BYTES, MAX_PIXELS, 1024, budget))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("6000×6000").contains("decodes at most " + budget.maxPixels());
                });
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(1));
        assertThat(budget.availableBytes()).isEqualTo(64L << 20);
    }

    @Test
    void decodeHoldsItsMemoryUntilTheInputIsClosed() {
        DecodeBudget budget = new DecodeBudget(4L << 20, 100);
        ImageIntake.Input input = ImageIntake.read(TestImages.png(100, 80), MAX_BYTES, MAX_PIXELS, 1024, budget);
        assertThat(input.image().width()).isEqualTo(100);
        assertThat(budget.availableBytes()).isLessThanOrEqualTo((4L << 20) - 100 * 80 * DecodeBudget.BYTES_PER_PIXEL);
        input.close();
        input.close();
        assertThat(budget.availableBytes()).isEqualTo(4L << 20);
    }

    @Test
    void decodeThatWaitsTooLongForMemoryIs503WithRetryAfter() {
        byte[] image = TestImages.png(200, 200); // 0.96 MB reserved while held
        DecodeBudget budget = new DecodeBudget(1L << 20, 50);
        try (ImageIntake.Input held = ImageIntake.read(image, MAX_BYTES, MAX_PIXELS, 1024, budget)) {
            assertThat(held.image().width()).isEqualTo(200);
            assertThatThrownBy(() -> ImageIntake.read(image, MAX_BYTES, MAX_PIXELS, 1024, budget))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.retryAfterSeconds()).isPositive();
                    });
        }
        ImageIntake.read(image, MAX_BYTES, MAX_PIXELS, 1024, budget).close();
    }

    @Test
    void corruptImageGivesItsMemoryBack() {
        DecodeBudget budget = new DecodeBudget(4L << 20, 100);
        assertThatThrownBy(() -> ImageIntake.read(TestImages.truncatedPng(), MAX_BYTES, MAX_PIXELS, 1024, budget))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThat(budget.availableBytes()).isEqualTo(4L << 20);
    }
}
