package dev.nightmare.worker.service;

import java.time.Clock;

/** What every delivery's run talks to: the job store, the events, the metrics, the settings, the clock. */
record JobServices(
        JobStore store, EventPublisher events, WorkerMetrics metrics, RunnerSettings settings, Clock clock) {}
