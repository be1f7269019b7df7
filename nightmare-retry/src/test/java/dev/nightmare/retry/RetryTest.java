package dev.nightmare.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Backoff of transient failures: doubling waits up to the cap, attempts, a time budget, and a stop signal. */
class RetryTest {
    private final List<Long> sleeps = new ArrayList<>();
    private final Retry retry = Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(400))
            .giveUpAfter(Duration.ofSeconds(2))
            .retryOn(IllegalStateException.class::isInstance)
            .sleeper(sleeps::add);

    @Test
    void transientFailuresAreRetriedWithDoublingCappedBackoff() {
        AtomicInteger calls = new AtomicInteger();

        String result = retry.call("op", () -> {
            if (calls.incrementAndGet() < 5) {
                throw new IllegalStateException("down");
            }
            return "up";
        });

        assertThat(result).isEqualTo("up");
        assertThat(sleeps).containsExactly(100L, 200L, 400L, 400L);
    }

    @Test
    void givesUpWhenTheTimeBudgetIsSpent() {
        assertThatThrownBy(() -> retry.call("op", () -> {
                    throw new IllegalStateException("down");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(sleeps.stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(2000);
        assertThat(sleeps).isNotEmpty();
    }

    @Test
    void stopSignalEndsRetryingAtOnceAndOtherErrorsAreNotRetried() {
        assertThatThrownBy(() -> retry.call(
                        "op",
                        () -> {
                            throw new IllegalStateException("down");
                        },
                        () -> true))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> retry.call("op", () -> {
                    throw new IllegalArgumentException("bug");
                }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void maxAttemptsCountsTheFirstAttemptAndRethrowsTheCheckedFailure() {
        AtomicInteger calls = new AtomicInteger();
        Retry three = Retry.backoff(Duration.ofMillis(20), Duration.ofMillis(20))
                .maxAttempts(3)
                .retryOn(IOException.class::isInstance)
                .sleeper(sleeps::add);

        assertThatThrownBy(() -> three.call("op", () -> {
                    calls.incrementAndGet();
                    throw new IOException("refused");
                }))
                .isInstanceOf(IOException.class)
                .hasMessage("refused");
        assertThat(calls).hasValue(3);
        assertThat(sleeps).containsExactly(20L, 20L);
    }

    @Test
    void neverTriesOnce() {
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> Retry.never().sleeper(sleeps::add).call("op", () -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("down");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(calls).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void foreverRetriesPastTheBudgetUntilTheStopSignal() {
        AtomicInteger calls = new AtomicInteger();
        Retry forever = retry.forever();

        assertThatThrownBy(() -> forever.call(
                        "op",
                        () -> {
                            calls.incrementAndGet();
                            throw new IllegalStateException("down");
                        },
                        () -> calls.get() >= 50))
                .isInstanceOf(IllegalStateException.class);
        assertThat(calls).hasValue(50);
        assertThat(sleeps.stream().mapToLong(Long::longValue).sum()).isGreaterThan(2000);
    }

    @Test
    void backoffGrowsAndIsCapped() {
        Retry p = Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(500)).multiplier(2);
        assertThat(p.delayBefore(2)).isEqualTo(Duration.ofMillis(100));
        assertThat(p.delayBefore(3)).isEqualTo(Duration.ofMillis(200));
        assertThat(p.delayBefore(4)).isEqualTo(Duration.ofMillis(400));
        assertThat(p.delayBefore(5)).isEqualTo(Duration.ofMillis(500));
    }
}
