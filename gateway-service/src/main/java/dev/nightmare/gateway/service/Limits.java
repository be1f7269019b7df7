package dev.nightmare.gateway.service;

import dev.nightmare.contracts.JobEvent;
import dev.nightmare.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-key submission rate (token bucket) and unfinished-job count, kept in this replica's memory:
 * with N replicas a key may reach N times the configured figures (documented). A job stops
 * counting when this replica sees its final event, or at its deadline if the event never comes.
 */
@ApplicationScoped
public class Limits {
    private final Clock clock;
    private final double ratePerNano;
    private final int burst;
    private final int concurrent;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Instant>> active = new ConcurrentHashMap<>();
    private final int streamsPerKey;
    private final Map<String, AtomicInteger> streams = new ConcurrentHashMap<>();

    public Limits(GatewayConfig config, EventHub hub, Clock clock) {
        this.clock = clock;
        this.ratePerNano = config.limits().submissionsPerMinute() / 60e9;
        this.burst = Math.max(1, config.limits().submissionBurst());
        this.concurrent = config.limits().concurrentJobs();
        this.streamsPerKey = config.limits().eventStreamsPerKey();
        hub.subscribeAll(this::onEvent);
    }

    private static final class Bucket {
        double tokens;
        long updatedNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updatedNanos = now;
        }
    }

    /** Takes one submission token for {@code owner}, or throws 429 with the seconds until one is free. */
    public void takeSubmission(String owner) {
        long now = System.nanoTime();
        Bucket bucket = buckets.computeIfAbsent(owner, o -> new Bucket(burst, now));
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updatedNanos) * ratePerNano);
            bucket.updatedNanos = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return;
            }
            long waitSeconds = (long) Math.ceil((1 - bucket.tokens) / ratePerNano / 1e9);
            throw new ApiException(
                    429,
                    "too many submissions for this API key; retry after " + waitSeconds + " s",
                    java.util.List.of(),
                    Math.max(1, waitSeconds));
        }
    }

    /** Throws 429 when {@code owner} already has the maximum of unfinished jobs on this replica. */
    public void checkConcurrent(String owner) {
        Map<String, Instant> jobs = active.get(owner);
        if (jobs == null) {
            return;
        }
        Instant now = clock.instant();
        jobs.values().removeIf(deadline -> deadline.isBefore(now));
        if (jobs.size() >= concurrent) {
            throw new ApiException(
                    429,
                    "this API key has " + jobs.size() + " unfinished jobs (at most " + concurrent
                            + "); retry when one finishes",
                    java.util.List.of(),
                    5);
        }
    }

    public void started(String owner, String jobId, Instant deadline) {
        active.computeIfAbsent(owner, o -> new ConcurrentHashMap<>()).put(jobId, deadline);
    }

    public void finished(String jobId) {
        for (Map<String, Instant> jobs : active.values()) {
            jobs.remove(jobId);
        }
    }

    /**
     * Opens one event stream for {@code owner}, or throws 429 when the key already has the maximum
     * open on this replica; close the returned handle when the stream ends.
     */
    public AutoCloseable openEventStream(String owner) {
        AtomicInteger open = streams.computeIfAbsent(owner, o -> new AtomicInteger());
        if (open.incrementAndGet() > streamsPerKey) {
            open.decrementAndGet();
            throw new ApiException(
                    429,
                    "this API key has " + streamsPerKey + " event streams open (at most " + streamsPerKey
                            + "); close one, or read the job's status instead",
                    java.util.List.of(),
                    5);
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                open.decrementAndGet();
            }
        };
    }

    private void onEvent(JobEvent event) {
        if (event.type().isFinal()) {
            finished(event.jobId());
        }
    }
}
