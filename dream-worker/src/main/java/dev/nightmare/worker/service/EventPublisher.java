package dev.nightmare.worker.service;

import dev.nightmare.contracts.JobEvent;

/**
 * Publishes job events on {@code nightmare-events}. Events are hints (docs/architecture.md): a
 * failed publish is logged, never a reason to fail or repeat a job.
 */
public interface EventPublisher {
    /**
     * @param await wait (bounded) until the broker has the event; for {@code round} and final
     *     events, so they are out before the record is acknowledged
     */
    void publish(JobEvent event, boolean await);
}
