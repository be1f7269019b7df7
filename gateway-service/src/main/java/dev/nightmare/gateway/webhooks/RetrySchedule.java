package dev.nightmare.gateway.webhooks;

import java.time.Duration;

/**
 * When a failed webhook is attempted again: {@code initial} after the first failure, doubling after
 * each further one, never more than {@code max}, never sooner than a receiver's {@code Retry-After}
 * (itself capped at {@code max}), plus up to 10% jitter so that many deliveries failed together do
 * not come back together (the Standard Webhooks recommendation). After {@code maxAttempts}
 * attempts the event is given up.
 */
public record RetrySchedule(int maxAttempts, Duration initial, Duration max) {
    public RetrySchedule {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("nightmare.webhooks.max-attempts must be at least 1");
        }
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    "nightmare.webhooks.initial-backoff-millis must be positive and at most max-backoff-millis");
        }
    }

    /** Whether an event that has had {@code attempts} attempts gets another. */
    public boolean another(int attempts) {
        return attempts < maxAttempts;
    }

    /**
     * The wait after the {@code failed}-th failed attempt ({@code failed} ≥ 1).
     *
     * @param retryAfter what the receiver asked for (zero: nothing)
     * @param jitter a number in [0, 1): the share of the 10% jitter to add
     */
    public Duration delay(int failed, Duration retryAfter, double jitter) {
        Duration base = initial.multipliedBy(1L << Math.min(Math.max(failed - 1, 0), 30));
        if (base.compareTo(max) > 0) {
            base = max;
        }
        if (retryAfter.compareTo(base) > 0) {
            base = retryAfter.compareTo(max) > 0 ? max : retryAfter;
        }
        return base.plusMillis((long) (base.toMillis() * 0.1 * jitter));
    }

    /** The sum of the waits with no jitter and no Retry-After: how long an event is tried for at most. */
    public Duration span() {
        Duration total = Duration.ZERO;
        for (int failed = 1; failed < maxAttempts; failed++) {
            total = total.plus(delay(failed, Duration.ZERO, 0));
        }
        return total;
    }
}
