package dev.nightmare.worker.service;

/**
 * Another attempt owns the job now, or it was deleted (docs/architecture.md, "Ownership", rule 2):
 * the run stops without writing anything more. Thrown by {@link OwnedStatus}; never crosses the
 * engine.
 */
final class OwnershipLost extends RuntimeException {
    OwnershipLost(String message) {
        super(message, null, false, false);
    }
}
