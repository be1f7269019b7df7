package dev.nightmare.worker.testing;

import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.worker.service.EventPublisher;
import java.util.ArrayList;
import java.util.List;

/** An {@link EventPublisher} that keeps every event and notes it in the shared write log. */
public final class RecordingEvents implements EventPublisher {
    private final List<JobEvent> events = new ArrayList<>();
    private final List<String> log;

    public RecordingEvents(List<String> log) {
        this.log = log;
    }

    @Override
    public synchronized void publish(JobEvent event, boolean await) {
        events.add(event);
        log.add("event " + event.type().wireName() + (event.round() == null ? "" : " " + event.round()));
    }

    public synchronized List<JobEvent> all() {
        return List.copyOf(events);
    }

    public synchronized List<JobEvent> of(EventType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }

    public synchronized List<EventType> types() {
        return events.stream().map(JobEvent::type).toList();
    }
}
