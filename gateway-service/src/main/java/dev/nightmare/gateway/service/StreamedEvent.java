package dev.nightmare.gateway.service;

import dev.nightmare.contracts.JobEvent;

/** A job event with its place in the events topic; {@code id} is null for events that have none. */
public record StreamedEvent(EventId id, JobEvent event) {}
