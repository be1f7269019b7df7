package dev.nightmare.engine.dream;

import dev.nightmare.engine.backend.SessionStats;

/**
 * A finished round.
 *
 * @param checkpoint the round's image (and momentum), enough to resume after it
 * @param stats skipped steps and, in reconstruct mode, the last gradient magnitude
 * @param computeNanos wall time the round's iterations took
 */
public record RoundResult(Checkpoint checkpoint, SessionStats stats, long computeNanos) {
    public int round() {
        return checkpoint.round();
    }
}
