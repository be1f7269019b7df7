package dev.nightmare.worker.service;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Retries an operation that failed with a {@link TransientException}, with exponential backoff
 * (initial, doubling, capped) until it succeeds, {@code giveUpAfter} has passed, or {@code stop}
 * says the caller no longer needs the answer; then the last failure is rethrown.
 */
public final class Retry {
    private static final Logger LOG = Logger.getLogger(Retry.class);

    /** Waits between attempts; tests replace it to run without sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final long initialMillis;
    private final long maxMillis;
    private final long giveUpNanos;
    private final Sleeper sleeper;

    public Retry(Duration initial, Duration max, Duration giveUpAfter, Sleeper sleeper) {
        this.initialMillis = Math.max(1, initial.toMillis());
        this.maxMillis = Math.max(initialMillis, max.toMillis());
        this.giveUpNanos = giveUpAfter.toNanos();
        this.sleeper = sleeper;
    }

    public Retry(Duration initial, Duration max, Duration giveUpAfter) {
        this(initial, max, giveUpAfter, Thread::sleep);
    }

    public <T> T call(String what, Supplier<T> operation) {
        return call(what, operation, () -> false);
    }

    /**
     * @param what the operation in words, for the log
     * @param stop checked before each retry; true rethrows the last failure at once
     */
    public <T> T call(String what, Supplier<T> operation, BooleanSupplier stop) {
        long began = System.nanoTime();
        long sleptNanos = 0;
        long backoff = initialMillis;
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (TransientException e) {
                // Time spent counts as the larger of the clock and the sleeps, so a test sleeper ends too.
                long spent = Math.max(System.nanoTime() - began, sleptNanos);
                if (stop.getAsBoolean() || spent + backoff * 1_000_000 > giveUpNanos) {
                    LOG.warnf("%s failed %d time(s), giving up: %s", what, attempt, e.getMessage());
                    throw e;
                }
                LOG.debugf("%s failed (attempt %d), retrying in %d ms: %s", what, attempt, backoff, e.getMessage());
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                sleptNanos += backoff * 1_000_000;
                backoff = Math.min(maxMillis, backoff * 2);
            }
        }
    }

    public void run(String what, Runnable operation, BooleanSupplier stop) {
        call(
                what,
                () -> {
                    operation.run();
                    return null;
                },
                stop);
    }
}
