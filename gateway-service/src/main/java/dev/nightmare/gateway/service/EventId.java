package dev.nightmare.gateway.service;

import java.util.Optional;

/**
 * Where an event sits in {@code nightmare-events}: its partition and offset, sent to SSE clients
 * as the {@code id:} field ({@code "3-1245"}). A job's events share one partition (they are keyed
 * by job id), so offsets order them, on every gateway replica alike.
 */
public record EventId(int partition, long offset) {

    /** The id a client sent back in {@code Last-Event-ID}; empty when it is not one of ours. */
    public static Optional<EventId> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int dash = text.indexOf('-');
        if (dash <= 0 || dash == text.length() - 1) {
            return Optional.empty();
        }
        try {
            int partition = Integer.parseInt(text, 0, dash, 10);
            long offset = Long.parseLong(text, dash + 1, text.length(), 10);
            return partition < 0 || offset < 0 ? Optional.empty() : Optional.of(new EventId(partition, offset));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return partition + "-" + offset;
    }
}
