package dev.nightmare.engine.cpu;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed number of threads that split an index range into contiguous parts, one per thread, the
 * caller's thread taking the first. Every index writes only its own outputs and reductions combine
 * fixed chunks in index order, so results never depend on scheduling.
 */
public final class Workers implements AutoCloseable {
    /** Runs indices {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** Runs part {@code part} (0 ≤ part < threads), indices {@code [from, to)}. */
    @FunctionalInterface
    public interface Part {
        void run(int part, int from, int to);
    }

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final int threads;
    private final ExecutorService pool;

    public Workers(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.pool = threads == 1
                ? null
                : Executors.newFixedThreadPool(threads - 1, r -> {
                    Thread t = new Thread(r, "nightmare-cpu-" + id + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    public int threads() {
        return threads;
    }

    /** Calls {@code body} on contiguous parts of {@code [0, n)}, possibly concurrently. */
    public void split(int n, Range body) {
        split(n, (part, from, to) -> body.run(from, to));
    }

    /**
     * The same, telling each call its part number: no two calls of one split share a part number,
     * so a part may use per-part scratch (at most {@link #threads()} of them).
     */
    public void split(int n, Part body) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            if (n > 0) {
                body.run(0, 0, n);
            }
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            int part = p;
            futures[p - 1] = pool.submit(() -> body.run(part, from, to));
        }
        RuntimeException failure = null;
        try {
            body.run(0, 0, (int) ((long) n / parts));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for workers", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
