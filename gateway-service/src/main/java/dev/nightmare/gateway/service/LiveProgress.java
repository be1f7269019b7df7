package dev.nightmare.gateway.service;

import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import io.quarkus.runtime.Startup;
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
@Startup // it listens from the start, not from the first status read
public class LiveProgress {
    static final int JOBS = 4096;

    /** Where a job was: round and iteration (0-based) at {@code time}. */
    public record Position(int round, int iteration, Instant time) {}

    private final Map<String, Position> latest = bounded();
    /** When each running job's attempt started (its {@code started} event), for the estimates. */
    private final Map<String, Instant> started = bounded();

    public LiveProgress(EventHub hub) {
        hub.subscribeAll(this::onEvent);
    }

    private static <V> Map<String, V> bounded() {
        return new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > JOBS;
            }
        };
    }

    void onEvent(JobEvent event) {
        synchronized (latest) {
            if (event.type() == EventType.STARTED) {
                started.put(event.jobId(), event.time());
            } else if (event.type() == EventType.PROGRESS && event.round() != null && event.iteration() != null) {
                latest.put(event.jobId(), new Position(event.round(), event.iteration(), event.time()));
            } else if (event.type().isFinal()) {
                latest.remove(event.jobId());
                started.remove(event.jobId());
            }
        }
    }

    /** A {@code progress} event's estimate of the seconds left, from its attempt's start; null when unknown. */
    public Long etaSeconds(JobEvent progress) {
        Instant start;
        synchronized (latest) {
            start = started.get(progress.jobId());
        }
        if (progress.round() == null
                || progress.iteration() == null
                || progress.rounds() == null
                || progress.iters() == null) {
            return null;
        }
        long done = (long) progress.round() * progress.iters() + progress.iteration() + 1;
        return etaSeconds(start, progress.time(), done, (long) progress.rounds() * progress.iters());
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
