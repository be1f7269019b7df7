package dev.nightmare.worker.service;

import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.RunDetails;
import java.time.Clock;
import java.time.Instant;

/**
 * The events of one attempt at a job, each stamped with the job, this worker and the attempt
 * (docs/architecture.md, "nightmare-events"). {@code round} and final events wait until the broker
 * has them, so they are out before the record is acknowledged; the others are fire-and-forget.
 */
final class AttemptEvents {
    private final EventPublisher publisher;
    private final Clock clock;
    private final String jobId;
    private final String workerId;
    private final String attempt;
    private final JobOptions options;

    AttemptEvents(
            EventPublisher publisher, Clock clock, String jobId, String workerId, String attempt, JobOptions options) {
        this.publisher = publisher;
        this.clock = clock;
        this.jobId = jobId;
        this.workerId = workerId;
        this.attempt = attempt;
        this.options = options;
    }

    void started(Instant time, RunDetails run) {
        publisher.publish(
                JobEvent.started(jobId, time, workerId, attempt, options.rounds(), options.iters(), run), false);
    }

    void progress(int round, int iteration) {
        publisher.publish(
                JobEvent.progress(
                        jobId, clock.instant(), workerId, attempt, round, iteration, options.rounds(), options.iters()),
                false);
    }

    void round(int round, Instant time) {
        String format = options.imageFormat().extension();
        publisher.publish(
                JobEvent.round(
                        jobId,
                        time,
                        workerId,
                        attempt,
                        round,
                        options.rounds(),
                        options.iters(),
                        JobKeys.roundImage(jobId, round, format),
                        JobKeys.roundCheckpoint(jobId, round)),
                false);
    }

    /** A final event; {@code videoKey} (the stored video of a succeeded job, or null) makes it version 2. */
    void finished(EventType type, Instant time, int roundsDone, String error, RunDetails run, String videoKey) {
        JobEvent event = JobEvent.finished(type, jobId, time, workerId, attempt, roundsDone, error, run);
        publisher.publish(videoKey == null ? event : event.withVideo(videoKey), true);
    }
}
