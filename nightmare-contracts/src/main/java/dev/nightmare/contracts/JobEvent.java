package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One event of a job on {@link Topics#EVENTS}, keyed by job id. Which fields are set depends on
 * the {@link #type}: {@code progress} and {@code round} carry the position, {@code round} the
 * object keys of the round's image and checkpoint, {@code failed} the error, {@code started} and
 * the final events the run details. Events are hints for live streams; durable truth is in S3
 * ({@code status.json}), so a lost or repeated event never corrupts a job's state.
 *
 * @param schemaVersion 1, or 2 when it carries {@code videoKey}
 * @param workerId the worker that published it (null for {@code queued}, published by the gateway)
 * @param attempt the worker's ownership token ({@link JobStatus#attempt()}); null for {@code queued}
 * @param round 0-based round the event is about (progress, round), or the rounds done (final)
 * @param iteration 0-based iteration within the round (progress)
 * @param rounds the job's total rounds
 * @param iters iterations per round
 * @param imageKey the round's image ({@link JobKeys#roundImage}), for {@code round}
 * @param checkpointKey the round's float checkpoint ({@link JobKeys#roundCheckpoint}), for {@code round}
 * @param error what went wrong, in words a user understands, for {@code failed}
 * @param run what reproduces the run, once a worker knows it
 * @param videoKey the job's video ({@link JobKeys#video}), on the {@code succeeded} event of a job
 *     that asked for one; an event that carries it is schema version 2
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
        int schemaVersion,
        EventType type,
        String jobId,
        Instant time,
        String workerId,
        String attempt,
        Integer round,
        Integer iteration,
        Integer rounds,
        Integer iters,
        String imageKey,
        String checkpointKey,
        String error,
        RunDetails run,
        String videoKey) {

    /** The newest version: 2 added {@code videoKey}. Readers accept 1 and 2. */
    public static final int SCHEMA_VERSION = 2;

    /** Events without a video link are written as version 1, which every reader knows. */
    public static final int OLDEST_SCHEMA_VERSION = 1;

    /** An event of version 1's fields. */
    public JobEvent(
            int schemaVersion,
            EventType type,
            String jobId,
            Instant time,
            String workerId,
            String attempt,
            Integer round,
            Integer iteration,
            Integer rounds,
            Integer iters,
            String imageKey,
            String checkpointKey,
            String error,
            RunDetails run) {
        this(
                schemaVersion,
                type,
                jobId,
                time,
                workerId,
                attempt,
                round,
                iteration,
                rounds,
                iters,
                imageKey,
                checkpointKey,
                error,
                run,
                null);
    }

    /** This final event with the link of the video stored before it (version 2). */
    public JobEvent withVideo(String key) {
        return new JobEvent(
                2,
                type,
                jobId,
                time,
                workerId,
                attempt,
                round,
                iteration,
                rounds,
                iters,
                imageKey,
                checkpointKey,
                error,
                run,
                key);
    }

    public static JobEvent queued(String jobId, Instant time, int rounds, int iters) {
        return new JobEvent(
                OLDEST_SCHEMA_VERSION,
                EventType.QUEUED,
                jobId,
                time,
                null,
                null,
                null,
                null,
                rounds,
                iters,
                null,
                null,
                null,
                null);
    }

    public static JobEvent started(
            String jobId, Instant time, String workerId, String attempt, int rounds, int iters, RunDetails run) {
        return new JobEvent(
                OLDEST_SCHEMA_VERSION,
                EventType.STARTED,
                jobId,
                time,
                workerId,
                attempt,
                null,
                null,
                rounds,
                iters,
                null,
                null,
                null,
                run);
    }

    public static JobEvent progress(
            String jobId,
            Instant time,
            String workerId,
            String attempt,
            int round,
            int iteration,
            int rounds,
            int iters) {
        return new JobEvent(
                OLDEST_SCHEMA_VERSION,
                EventType.PROGRESS,
                jobId,
                time,
                workerId,
                attempt,
                round,
                iteration,
                rounds,
                iters,
                null,
                null,
                null,
                null);
    }

    public static JobEvent round(
            String jobId,
            Instant time,
            String workerId,
            String attempt,
            int round,
            int rounds,
            int iters,
            String imageKey,
            String checkpointKey) {
        return new JobEvent(
                OLDEST_SCHEMA_VERSION,
                EventType.ROUND,
                jobId,
                time,
                workerId,
                attempt,
                round,
                null,
                rounds,
                iters,
                imageKey,
                checkpointKey,
                null,
                null);
    }

    /**
     * A final event.
     *
     * @param type {@code succeeded}, {@code failed} or {@code canceled}
     * @param roundsDone rounds whose images are stored
     * @param error the failure in words (failed only)
     */
    public static JobEvent finished(
            EventType type,
            String jobId,
            Instant time,
            String workerId,
            String attempt,
            int roundsDone,
            String error,
            RunDetails run) {
        if (!type.isFinal()) {
            throw new IllegalArgumentException(type + " is not a final event");
        }
        return new JobEvent(
                OLDEST_SCHEMA_VERSION,
                type,
                jobId,
                time,
                workerId,
                attempt,
                roundsDone,
                null,
                null,
                null,
                null,
                null,
                error,
                run);
    }

    /** Contract violations, one line each; empty when fine. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (type == null) {
            problems.add("type is missing");
        }
        if (!JobIds.isValid(jobId)) {
            problems.add("jobId '" + jobId + "' is not a job id (32 lower-case hex digits)");
        }
        if (time == null) {
            problems.add("time is missing");
        }
        if (type == EventType.ROUND && (round == null || imageKey == null)) {
            problems.add("a round event needs round and imageKey");
        }
        if (type == EventType.PROGRESS && (round == null || iteration == null)) {
            problems.add("a progress event needs round and iteration");
        }
        if (videoKey != null && (schemaVersion < 2 || type != EventType.SUCCEEDED)) {
            problems.add("videoKey belongs on a succeeded event of schemaVersion 2");
        }
        return problems;
    }
}
