package dev.nightmare.gateway.service;

import dev.nightmare.contracts.EventType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last few events of recently active jobs, so a dropped SSE stream can resume after the
 * {@code Last-Event-ID} it saw instead of starting over. Bounded: {@code jobs} jobs (least recently
 * active dropped first) of {@code perJob} events each; {@code progress} events are not kept, since
 * the next one supersedes them. It answers only when it is sure nothing was missed: it knows where
 * this replica started reading each partition and the newest offset it has forgotten.
 *
 * <p>Not thread-safe: {@link EventHub} calls it under its lock.
 */
final class RecentEvents {
    private final int jobs;
    private final int perJob;
    private final Map<Integer, Long> readFrom = new HashMap<>();
    private final Map<Integer, Long> forgottenUpTo = new HashMap<>();
    private final Map<Integer, Long> newest = new HashMap<>();
    private final LinkedHashMap<String, ArrayDeque<StreamedEvent>> byJob = new LinkedHashMap<>(16, 0.75f, true);

    RecentEvents(int jobs, int perJob) {
        this.jobs = jobs;
        this.perJob = perJob;
    }

    /** This replica reads {@code partition} from {@code offset} on: every later event will be recorded. */
    void readingFrom(int partition, long offset) {
        readFrom.merge(partition, offset, Math::max);
    }

    void record(StreamedEvent streamed) {
        EventId id = streamed.id();
        if (id == null) {
            return;
        }
        newest.merge(id.partition(), id.offset(), Math::max);
        if (streamed.event().type() == EventType.PROGRESS) {
            return;
        }
        ArrayDeque<StreamedEvent> events =
                byJob.computeIfAbsent(streamed.event().jobId(), j -> new ArrayDeque<>());
        events.addLast(streamed);
        if (events.size() > perJob) {
            forget(events.removeFirst().id());
        }
        if (byJob.size() > jobs) {
            Iterator<ArrayDeque<StreamedEvent>> eldest = byJob.values().iterator();
            for (StreamedEvent dropped : eldest.next()) {
                forget(dropped.id());
            }
            eldest.remove();
        }
    }

    private void forget(EventId id) {
        forgottenUpTo.merge(id.partition(), id.offset(), Math::max);
    }

    /**
     * The events of {@code jobId} after {@code seen}, oldest first, when this replica has every one
     * of them; empty when it cannot be sure (it started reading later, or forgot some) or the id
     * is not one it has seen come by.
     */
    Optional<List<StreamedEvent>> after(String jobId, EventId seen) {
        Long from = readFrom.get(seen.partition());
        if (from == null || seen.offset() < from - 1) {
            return Optional.empty();
        }
        if (seen.offset() > newest.getOrDefault(seen.partition(), from - 1)) {
            return Optional.empty();
        }
        if (seen.offset() < forgottenUpTo.getOrDefault(seen.partition(), -1L)) {
            return Optional.empty();
        }
        ArrayDeque<StreamedEvent> events = byJob.get(jobId);
        List<StreamedEvent> later = new ArrayList<>();
        if (events != null) {
            for (StreamedEvent e : events) {
                if (e.id().partition() != seen.partition()) {
                    return Optional.empty();
                }
                if (e.id().offset() > seen.offset()) {
                    later.add(e);
                }
            }
        }
        return Optional.of(later);
    }
}
