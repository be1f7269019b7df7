package dev.nightmare.gateway.service;

import dev.nightmare.contracts.JobEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Fans the events this replica reads from {@code nightmare-events} out to the SSE streams and
 * listeners of this replica. Holds subscriptions only; nothing a client needs lives here.
 */
@ApplicationScoped
public class EventHub {
    private static final Logger LOG = Logger.getLogger(EventHub.class);

    private final Map<String, List<Consumer<JobEvent>>> byJob = new ConcurrentHashMap<>();
    private final List<Consumer<JobEvent>> all = new CopyOnWriteArrayList<>();

    /** Calls {@code listener} with every later event of {@code jobId} until the returned handle is closed. */
    public AutoCloseable subscribe(String jobId, Consumer<JobEvent> listener) {
        byJob.computeIfAbsent(jobId, id -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> byJob.computeIfPresent(jobId, (id, listeners) -> {
            listeners.remove(listener);
            return listeners.isEmpty() ? null : listeners;
        });
    }

    /** Calls {@code listener} with every event of every job. */
    public void subscribeAll(Consumer<JobEvent> listener) {
        all.add(listener);
    }

    public void dispatch(JobEvent event) {
        for (Consumer<JobEvent> listener : all) {
            deliver(listener, event);
        }
        List<Consumer<JobEvent>> listeners = byJob.get(event.jobId());
        if (listeners != null) {
            for (Consumer<JobEvent> listener : listeners) {
                deliver(listener, event);
            }
        }
    }

    private static void deliver(Consumer<JobEvent> listener, JobEvent event) {
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            LOG.warnf("event listener failed on %s of %s: %s", event.type(), event.jobId(), e.toString());
        }
    }

    /** Streams with an open subscription on this replica; for tests and metrics. */
    public int subscribedJobs() {
        return byJob.size();
    }
}
