package dev.nightmare.worker.service;

/**
 * Why a run stopped before its last round, as the job's listener saw it. Only a value: the listener
 * records it and asks the engine to stop (the engine's own {@code CancelledException}); the runner
 * turns it into the job's outcome.
 */
record StopReason(Kind kind, String detail) {
    enum Kind {
        /** The gateway's cancel marker appeared. */
        CANCELED,
        /** {@code request.json} is gone: the job was deleted. */
        DELETED,
        /** The worker's per-job time limit passed. */
        TIME_LIMIT,
        /** The job's deadline passed. */
        DEADLINE,
        /** The worker is shutting down (drain or abandon). */
        SHUTDOWN,
        /** The Kafka lock of the record was lost. */
        LOCK_LOST,
        /** {@code status.json} names another attempt now (or vanished). */
        OWNERSHIP_LOST,
        /** S3 stayed unreachable while a round was being stored. */
        UNAVAILABLE
    }

    static StopReason of(Kind kind) {
        return new StopReason(kind, kind.name().toLowerCase(java.util.Locale.ROOT));
    }
}
