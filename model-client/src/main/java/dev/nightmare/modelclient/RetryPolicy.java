package dev.nightmare.modelclient;

import java.time.Duration;

/**
 * Bounded exponential backoff while the store is unreachable or answers 5xx: attempt 1 at once,
 * then waits of {@code initialDelay}, ×{@code multiplier} each time, at most {@code maxDelay}, for
 * at most {@code maxAttempts} attempts in all.
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, double multiplier) {
    /** 12 attempts, 250 ms doubling to 10 s: about 50 s in all, enough for a store to start. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(12, Duration.ofMillis(250), Duration.ofSeconds(10), 2);

    /** One attempt, no waiting. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1);

    public RetryPolicy {
        if (maxAttempts < 1 || multiplier < 1 || initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need maxAttempts ≥ 1, multiplier ≥ 1, 0 ≤ initialDelay ≤ maxDelay");
        }
    }

    /** The wait before attempt {@code attempt} (2, 3, …). */
    public Duration delayBefore(int attempt) {
        double millis = initialDelay.toMillis() * Math.pow(multiplier, attempt - 2);
        return Duration.ofMillis((long) Math.min(millis, maxDelay.toMillis()));
    }
}
