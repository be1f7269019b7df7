package dev.nightmare.retry;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Retries an operation whose failures are transient, with exponential backoff (the first retry
 * after {@code initial}, each wait {@code multiplier} times the last, at most {@code max}), until it
 * succeeds, the attempts or the time budget run out, or the caller's stop signal says the answer is
 * no longer needed; then the last failure is rethrown as it was thrown. Failures the policy does not
 * call transient are rethrown at once. Immutable: every setting returns a new policy.
 *
 * <pre>{@code
 * Retry s3 = Retry.backoff(Duration.ofMillis(200), Duration.ofSeconds(5))
 *         .giveUpAfter(Duration.ofMinutes(1))
 *         .retryOn(TransientException.class::isInstance);
 * byte[] status = s3.call("read status", () -> store.status(id), () -> shuttingDown);
 * }</pre>
 */
public final class Retry {
    private static final System.Logger LOG = System.getLogger(Retry.class.getName());

    /** One try of the operation; may throw the checked exception {@code E}. */
    @FunctionalInterface
    public interface Attempt<T, E extends Exception> {
        T run() throws E;
    }

    /** Waits between attempts; tests pass one that records the waits instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final long initialMillis;
    private final long maxMillis;
    private final double multiplier;
    private final int maxAttempts;
    private final Duration giveUpAfter;
    private final Predicate<? super Exception> transientFailure;
    private final Sleeper sleeper;
    private final Level retryLogLevel;

    private Retry(
            long initialMillis,
            long maxMillis,
            double multiplier,
            int maxAttempts,
            Duration giveUpAfter,
            Predicate<? super Exception> transientFailure,
            Sleeper sleeper,
            Level retryLogLevel) {
        if (initialMillis < 0 || maxMillis < initialMillis || multiplier < 1 || maxAttempts < 0) {
            throw new IllegalArgumentException("need 0 ≤ initial ≤ max, multiplier ≥ 1 and attempts ≥ 0 (0: no limit)");
        }
        this.initialMillis = initialMillis;
        this.maxMillis = maxMillis;
        this.multiplier = multiplier;
        this.maxAttempts = maxAttempts;
        this.giveUpAfter = giveUpAfter;
        this.transientFailure = Objects.requireNonNull(transientFailure);
        this.sleeper = Objects.requireNonNull(sleeper);
        this.retryLogLevel = Objects.requireNonNull(retryLogLevel);
    }

    /**
     * Doubling waits from {@code initial} to {@code max}, retrying every failure, with no limit until
     * one is set ({@link #maxAttempts}, {@link #giveUpAfter}) or a stop signal is given.
     */
    public static Retry backoff(Duration initial, Duration max) {
        return new Retry(initial.toMillis(), max.toMillis(), 2, 0, null, e -> true, Thread::sleep, Level.DEBUG);
    }

    /** One attempt: failures are rethrown at once. */
    public static Retry never() {
        return backoff(Duration.ZERO, Duration.ZERO).maxAttempts(1);
    }

    public Retry multiplier(double factor) {
        return new Retry(
                initialMillis, maxMillis, factor, maxAttempts, giveUpAfter, transientFailure, sleeper, retryLogLevel);
    }

    /** At most {@code attempts} tries in all (the first included). */
    public Retry maxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("at least one attempt");
        }
        return new Retry(
                initialMillis, maxMillis, multiplier, attempts, giveUpAfter, transientFailure, sleeper, retryLogLevel);
    }

    /** No retry is begun whose wait would end after {@code budget} from the first attempt. */
    public Retry giveUpAfter(Duration budget) {
        return new Retry(
                initialMillis, maxMillis, multiplier, maxAttempts, budget, transientFailure, sleeper, retryLogLevel);
    }

    /** Without a limit of attempts or time: only success, a lasting failure or the stop signal end it. */
    public Retry forever() {
        return new Retry(initialMillis, maxMillis, multiplier, 0, null, transientFailure, sleeper, retryLogLevel);
    }

    /** Which failures are worth another attempt; the others are rethrown at once. */
    public Retry retryOn(Predicate<? super Exception> isTransient) {
        return new Retry(
                initialMillis, maxMillis, multiplier, maxAttempts, giveUpAfter, isTransient, sleeper, retryLogLevel);
    }

    public Retry sleeper(Sleeper waits) {
        return new Retry(
                initialMillis, maxMillis, multiplier, maxAttempts, giveUpAfter, transientFailure, waits, retryLogLevel);
    }

    /** The level each retry is logged at (default DEBUG; a give-up is always a WARNING). */
    public Retry logRetriesAt(Level level) {
        return new Retry(
                initialMillis, maxMillis, multiplier, maxAttempts, giveUpAfter, transientFailure, sleeper, level);
    }

    /** The wait before attempt {@code attempt} (2, 3, …). */
    public Duration delayBefore(int attempt) {
        double millis = initialMillis * Math.pow(multiplier, Math.max(0, attempt - 2));
        return Duration.ofMillis((long) Math.min(millis, maxMillis));
    }

    public <T, E extends Exception> T call(String what, Attempt<T, E> operation) throws E {
        return call(what, operation, () -> false);
    }

    /**
     * @param what the operation in words, for the log
     * @param stop checked before each retry; true rethrows the last failure at once
     */
    public <T, E extends Exception> T call(String what, Attempt<T, E> operation, BooleanSupplier stop) throws E {
        long began = System.nanoTime();
        long sleptNanos = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.run();
            } catch (Exception e) {
                if (!transientFailure.test(e)) {
                    throw Retry.<E>asThrown(e);
                }
                long waitMillis = delayBefore(attempt + 1).toMillis();
                // Time spent counts as the larger of the clock and the waits, so a test sleeper ends too.
                long spentNanos = Math.max(System.nanoTime() - began, sleptNanos);
                boolean outOfTime = giveUpAfter != null && spentNanos + waitMillis * 1_000_000 > giveUpAfter.toNanos();
                boolean outOfAttempts = maxAttempts > 0 && attempt >= maxAttempts;
                if (stop.getAsBoolean() || outOfTime || outOfAttempts) {
                    if (maxAttempts != 1) {
                        LOG.log(Level.WARNING, "{0} failed {1} time(s), giving up: {2}", what, attempt, e.getMessage());
                    }
                    throw Retry.<E>asThrown(e);
                }
                LOG.log(
                        retryLogLevel,
                        "{0} failed (attempt {1}), retrying in {2} ms: {3}",
                        what,
                        attempt,
                        waitMillis,
                        e.getMessage());
                try {
                    sleeper.sleep(waitMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw Retry.<E>asThrown(e);
                }
                sleptNanos += waitMillis * 1_000_000;
            }
        }
    }

    /** The operation threw {@code e}, so it is an {@code E} or unchecked: rethrow it as it was. */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> E asThrown(Exception e) {
        return (E) e;
    }

    /** {@link #call} for an operation without a result. */
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
