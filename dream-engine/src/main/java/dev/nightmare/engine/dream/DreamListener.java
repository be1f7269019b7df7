package dev.nightmare.engine.dream;

import dev.nightmare.engine.random.IterationDraws;

/** Hears a run's progress; called on the thread that runs it. */
public interface DreamListener {
    /** After each iteration; {@code draws} is null in reconstruct mode. */
    default void onIteration(int round, int iteration, IterationDraws draws) {}

    /** After each round, before the between-rounds rotate and zoom. Exceptions abort the run. */
    void onRound(RoundResult round) throws Exception;

    /** Polled before every iteration: true stops the run with {@link CancelledException}. */
    default boolean cancelled() {
        return false;
    }
}
