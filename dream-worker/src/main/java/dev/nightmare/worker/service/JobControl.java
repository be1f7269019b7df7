package dev.nightmare.worker.service;

/**
 * Signals from the thread that holds the Kafka record to the thread that runs its job: drain
 * (finish the current round, then stop), abandon (stop before the next iteration) and lock lost
 * (stop without writing anything more: another worker may own the job now). Thread-safe.
 */
public final class JobControl {
    private volatile boolean drain;
    private volatile boolean abandon;
    private volatile boolean lockLost;

    /** Finish the round in progress, store it, then stop and release the job (shutdown). */
    public void drain() {
        drain = true;
    }

    /** Stop before the next iteration; the round in progress is lost (shutdown grace exceeded). */
    public void abandon() {
        abandon = true;
    }

    /** The record's lock is gone: stop without further writes. */
    public void lockLost() {
        lockLost = true;
    }

    public boolean draining() {
        return drain || abandon;
    }

    public boolean abandoned() {
        return abandon;
    }

    public boolean isLockLost() {
        return lockLost;
    }
}
