package dev.nightmare.gateway.service;

import dev.nightmare.contracts.JobEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Fans the events this replica reads from {@code nightmare-events} out to the SSE streams and
 * listeners of this replica, and keeps the last few of each recent job ({@link RecentEvents}) so
 * a stream that dropped can resume after its {@code Last-Event-ID}. Nothing a client needs lives
 * only here: a stream that cannot resume starts from the job's state in S3.
 */
@ApplicationScoped
public class EventHub {
    private static final Logger LOG = Logger.getLogger(EventHub.class);
    private static final int RECENT_JOBS = 1024;
    private static final int RECENT_EVENTS_PER_JOB = 32;

    private final Map<String, List<Consumer<StreamedEvent>>> byJob = new ConcurrentHashMap<>();
    private final List<Consumer<JobEvent>> all = new CopyOnWriteArrayList<>();
    private final RecentEvents recent = new RecentEvents(RECENT_JOBS, RECENT_EVENTS_PER_JOB);

    /** What a stream subscribed to: the events it missed when it resumes, and a handle to stop. */
    public interface Subscription extends AutoCloseable {
        /** The missed events after the client's last id, oldest first; empty when it cannot resume. */
        Optional<List<StreamedEvent>> missed();

        @Override
        void close();
    }

    /**
     * Calls {@code listener} with every later event of {@code jobId} until the subscription is
     * closed; with {@code lastSeen}, also returns the events after it that this replica holds, with
     * no gap or overlap between them and the live ones.
     */
    public Subscription subscribe(String jobId, Optional<EventId> lastSeen, Consumer<StreamedEvent> listener) {
        Optional<List<StreamedEvent>> missed;
        synchronized (recent) {
            missed = lastSeen.flatMap(seen -> recent.after(jobId, seen));
            byJob.computeIfAbsent(jobId, id -> new CopyOnWriteArrayList<>()).add(listener);
        }
        return new Subscription() {
            @Override
            public Optional<List<StreamedEvent>> missed() {
                return missed;
            }

            @Override
            public void close() {
                synchronized (recent) {
                    byJob.computeIfPresent(jobId, (id, listeners) -> {
                        listeners.remove(listener);
                        return listeners.isEmpty() ? null : listeners;
                    });
                }
            }
        };
    }

    /** Calls {@code listener} with every event of every job. */
    public void subscribeAll(Consumer<JobEvent> listener) {
        all.add(listener);
    }

    /** The events reader reads {@code partition} from {@code offset} on. */
    public void readingFrom(int partition, long offset) {
        synchronized (recent) {
            recent.readingFrom(partition, offset);
        }
    }

    /** Hands one event, read at {@code id} (null when it has no place in the topic), to every listener. */
    public void dispatch(JobEvent event, EventId id) {
        for (Consumer<JobEvent> listener : all) {
            deliver(listener, event, event);
        }
        StreamedEvent streamed = new StreamedEvent(id, event);
        synchronized (recent) {
            recent.record(streamed);
            List<Consumer<StreamedEvent>> listeners = byJob.get(event.jobId());
            if (listeners != null) {
                for (Consumer<StreamedEvent> listener : listeners) {
                    deliver(listener, streamed, event);
                }
            }
        }
    }

    private static <T> void deliver(Consumer<T> listener, T value, JobEvent event) {
        try {
            listener.accept(value);
        } catch (RuntimeException e) {
            LOG.warnf("event listener failed on %s of %s: %s", event.type(), event.jobId(), e.toString());
        }
    }

    /** Whether a stream of this replica follows {@code jobId}. */
    public boolean subscribed(String jobId) {
        return byJob.containsKey(jobId);
    }

    /** Jobs with an open subscription on this replica; for tests and metrics. */
    public int subscribedJobs() {
        return byJob.size();
    }
}
