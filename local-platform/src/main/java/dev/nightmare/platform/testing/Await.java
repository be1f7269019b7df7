package dev.nightmare.platform.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests for a condition instead of for a guessed time. */
public final class Await {
    private Await() {}

    /**
     * Returns as soon as {@code condition} holds; fails naming {@code what} when it has not within
     * {@code timeout}. Polls every 10 ms.
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(10);
        }
    }
}
