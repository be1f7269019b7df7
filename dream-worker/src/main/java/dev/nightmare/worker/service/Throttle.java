package dev.nightmare.worker.service;

/** At most one "now" per interval: the first call is always due. Not thread-safe (the job thread's). */
final class Throttle {
    private final long intervalNanos;
    private long last;
    private boolean started;

    Throttle(java.time.Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** True, and the interval starts again, when the last due time is at least one interval ago. */
    boolean due(long nowNanos) {
        if (started && nowNanos - last < intervalNanos) {
            return false;
        }
        started = true;
        last = nowNanos;
        return true;
    }
}
