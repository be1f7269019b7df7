package dev.nightmare.worker.service;

import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.RunDetails;
import java.time.Instant;
import java.util.Optional;

/**
 * A job's {@code status.json} as this worker's attempt owns it (docs/architecture.md,
 * "Ownership"): the take-over's conditional write, the check before every later write that the
 * stored status still names this attempt (rule 2), and the conditional writes after each round and
 * at the end, each under the ETag of the last. A lost ownership is an {@link OwnershipLost}.
 */
final class OwnedStatus {
    private final JobStore store;
    private final JobIo io;
    private JobStatus status;
    private String etag;

    private OwnedStatus(JobStore store, JobIo io, JobStatus status, String etag) {
        this.store = store;
        this.io = io;
        this.status = status;
        this.etag = etag;
    }

    /**
     * Rule 1: writes {@code started} only if {@code status.json} is still what the worker read
     * ({@code readEtag}, or none); empty when another worker took the job in between.
     */
    static Optional<OwnedStatus> takeOver(JobStore store, JobIo io, JobStatus started, String readEtag) {
        try {
            return Optional.of(new OwnedStatus(store, io, started, write(store, io, started, readEtag)));
        } catch (OwnershipLost e) {
            return Optional.empty();
        }
    }

    JobStatus current() {
        return status;
    }

    String attempt() {
        return status.attempt();
    }

    /** Records what reproduces the run (a fallback changes the backend); written with the next write. */
    void runOn(RunDetails run) {
        status = status.withRun(run);
    }

    /** Rule 2: the stored status must still name this attempt. */
    void checkOwner() {
        Optional<Versioned<JobStatus>> stored = io.call("read status", () -> store.status(status.jobId()));
        if (stored.isEmpty()) {
            throw new OwnershipLost("status.json is gone (the job was deleted)");
        }
        if (!status.sameOwner(stored.get().value())) {
            throw new OwnershipLost("attempt " + stored.get().value().attempt() + " of "
                    + stored.get().value().workerId() + " owns the job now");
        }
    }

    /** After round {@code round}'s image and checkpoint are stored. */
    void roundStored(int round, long roundMillis, Instant now) {
        update(status.afterRound(round, roundMillis, now));
    }

    /** The final state, after checking ownership; returns what was written. */
    JobStatus finish(JobState state, String error, Instant now) {
        checkOwner();
        update(status.finished(state, error, now));
        return status;
    }

    private void update(JobStatus next) {
        etag = write(store, io, next, etag);
        status = next;
    }

    /**
     * A conditional status write, retried on transient failures. A 412 on a retry may be this
     * worker's own earlier write whose answer was lost: if the stored status is exactly what was
     * written, that write succeeded.
     */
    private static String write(JobStore store, JobIo io, JobStatus next, String expectedEtag) {
        int[] attempts = {0};
        try {
            return io.call("write status", () -> {
                attempts[0]++;
                try {
                    return store.putStatus(next, expectedEtag);
                } catch (PreconditionFailedException e) {
                    if (attempts[0] > 1) {
                        Optional<Versioned<JobStatus>> stored = store.status(next.jobId());
                        if (stored.isPresent() && stored.get().value().equals(next)) {
                            return stored.get().etag();
                        }
                    }
                    throw e;
                }
            });
        } catch (PreconditionFailedException e) {
            throw new OwnershipLost(
                    deleted(store, next.jobId())
                            ? "the job was deleted (its status.json is gone)"
                            : "status.json changed under this attempt (412)");
        }
    }

    /** Whether a refused write found the job deleted (a DELETE racing the write) rather than taken over. */
    private static boolean deleted(JobStore store, String jobId) {
        try {
            return store.status(jobId).isEmpty();
        } catch (TransientException e) {
            return false;
        }
    }
}
