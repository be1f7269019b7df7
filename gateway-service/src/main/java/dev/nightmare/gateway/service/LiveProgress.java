package dev.nightmare.gateway.service;

import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The latest position of running jobs, from their {@code progress} events (which every replica
 * reads): status.json is written per round, so between rounds only the events know the iteration.
 * A hint, bounded to the {@value #JOBS} most recently moving jobs; a status read without it shows
 * what status.json holds.
 */
@ApplicationScoped
public class LiveProgress {
    static final int JOBS = 4096;

    /** Where a job was: round and iteration (0-based) at {@code time}. */
    public record Position(int round, int iteration, Instant time) {}

    private final Map<String, Position> latest = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Position> eldest) {
            return size() > JOBS;
        }
    };

    public LiveProgress(EventHub hub) {
        hub.subscribeAll(this::onEvent);
    }

    void onEvent(JobEvent event) {
        synchronized (latest) {
            if (event.type() == EventType.PROGRESS && event.round() != null && event.iteration() != null) {
                latest.put(event.jobId(), new Position(event.round(), event.iteration(), event.time()));
            } else if (event.type().isFinal()) {
                latest.remove(event.jobId());
            }
        }
    }

    public Optional<Position> of(String jobId) {
        synchronized (latest) {
            return Optional.ofNullable(latest.get(jobId));
        }
    }

    /**
     * The seconds left, from the time the run has taken for the iterations done so far; null
     * before the first iteration is done or once the job is not running.
     */
    static Long etaSeconds(Instant startedAt, Instant now, long done, long total) {
        if (startedAt == null || done <= 0 || done >= total) {
            return null;
        }
        double perIteration = Duration.between(startedAt, now).toMillis() / (double) done;
        return Math.round(perIteration * (total - done) / 1000.0);
    }
}
