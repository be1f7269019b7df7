package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Backoff of transient failures: doubling waits up to the cap, a time budget, and a stop signal. */
class RetryTest {
    private final List<Long> sleeps = new ArrayList<>();
    private final Retry retry =
            new Retry(Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofSeconds(2), sleeps::add);

    @Test
    void transientFailuresAreRetriedWithDoublingCappedBackoff() {
        AtomicInteger calls = new AtomicInteger();

        String result = retry.call("op", () -> {
            if (calls.incrementAndGet() < 5) {
                throw new TransientException("down", null);
            }
            return "up";
        });

        assertThat(result).isEqualTo("up");
        assertThat(sleeps).containsExactly(100L, 200L, 400L, 400L);
    }

    @Test
    void givesUpWhenTheTimeBudgetIsSpent() {
        assertThatThrownBy(() -> retry.call("op", () -> {
                    throw new TransientException("down", null);
                }))
                .isInstanceOf(TransientException.class);
        assertThat(sleeps.stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(2000);
    }

    @Test
    void stopSignalEndsRetryingAtOnceAndOtherErrorsAreNotRetried() {
        assertThatThrownBy(() -> retry.call(
                        "op",
                        () -> {
                            throw new TransientException("down", null);
                        },
                        () -> true))
                .isInstanceOf(TransientException.class);
        assertThatThrownBy(() -> retry.call("op", () -> {
                    throw new IllegalStateException("bug");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(sleeps).isEmpty();
    }
}
