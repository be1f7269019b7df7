package dev.nightmare.gateway.service;

import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobRequest;

/**
 * Publishing to Kafka: requests to {@code nightmare-requests}, events to {@code nightmare-events},
 * both keyed by job id. Each call returns once the broker has the record, or throws {@link
 * BusUnavailableException} within the configured publish timeout — never hangs.
 */
public interface JobBus {
    void publishRequest(JobRequest request);

    void publishEvent(JobEvent event);

    /** True when the broker answers; for readiness. */
    boolean ready();
}
