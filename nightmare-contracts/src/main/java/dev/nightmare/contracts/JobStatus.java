package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jobs/{id}/status.json}: written only by the worker that owns the job, first when it takes
 * the job, then after every round and at the end. Its existence is what makes a job {@code
 * running} ({@link JobState#derive}). {@link #workerId} and {@link #attempt} record the owner: a
 * worker writes only while the stored status still names its own attempt (see
 * docs/architecture.md, "Ownership").
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param state never {@code queued}
 * @param workerId the owning worker's id (host/pod name and process)
 * @param attempt a fresh random token per take-over of the job: the ownership check compares it
 * @param deliveryCount how often Kafka has delivered the request (1 on first delivery)
 * @param rounds the job's total rounds
 * @param iters iterations per round
 * @param roundsDone rounds whose image and checkpoint are stored: rounds 0..roundsDone−1
 * @param round the round in progress (0-based), or null before the first iteration
 * @param iteration the iteration in progress within {@code round}, or null
 * @param run what reproduces the run
 * @param error the failure in words a user understands ({@code failed} only)
 * @param startedAt when this attempt took the job
 * @param updatedAt when this file was last written
 * @param finishedAt when the job reached its final state, else null
 * @param lastRoundMillis how long the last round's compute took
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatus(
        int schemaVersion,
        String jobId,
        JobState state,
        String workerId,
        String attempt,
        int deliveryCount,
        int rounds,
        int iters,
        int roundsDone,
        Integer round,
        Integer iteration,
        RunDetails run,
        String error,
        Instant startedAt,
        Instant updatedAt,
        Instant finishedAt,
        Long lastRoundMillis) {

    public static final int SCHEMA_VERSION = 1;

    /** The status a worker writes when it takes a job (resuming after {@code roundsDone} rounds). */
    public static JobStatus started(
            String jobId,
            String workerId,
            String attempt,
            int deliveryCount,
            int rounds,
            int iters,
            int roundsDone,
            RunDetails run,
            Instant now) {
        Builder b = new Builder();
        b.schemaVersion = SCHEMA_VERSION;
        b.jobId = jobId;
        b.state = JobState.RUNNING;
        b.workerId = workerId;
        b.attempt = attempt;
        b.deliveryCount = deliveryCount;
        b.rounds = rounds;
        b.iters = iters;
        b.roundsDone = roundsDone;
        b.run = run;
        b.startedAt = now;
        b.updatedAt = now;
        return b.build();
    }

    /** This status after round {@code round} was stored. */
    public JobStatus afterRound(int round, long roundMillis, Instant now) {
        Builder b = toBuilder();
        b.roundsDone = round + 1;
        b.round = round;
        b.iteration = null;
        b.updatedAt = now;
        b.lastRoundMillis = roundMillis;
        return b.build();
    }

    /** This status with its position updated (progress). */
    public JobStatus at(int round, int iteration, Instant now) {
        Builder b = toBuilder();
        b.round = round;
        b.iteration = iteration;
        b.updatedAt = now;
        return b.build();
    }

    /** This status with what reproduces the run (the backend may change, e.g. after a GPU fallback). */
    public JobStatus withRun(RunDetails details) {
        Builder b = toBuilder();
        b.run = details;
        return b.build();
    }

    /** This status in a final state. */
    public JobStatus finished(JobState finalState, String failure, Instant now) {
        if (!finalState.isFinal()) {
            throw new IllegalArgumentException(finalState + " is not a final state");
        }
        Builder b = toBuilder();
        b.state = finalState;
        b.error = failure;
        b.updatedAt = now;
        b.finishedAt = now;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = new Builder();
        b.schemaVersion = schemaVersion;
        b.jobId = jobId;
        b.state = state;
        b.workerId = workerId;
        b.attempt = attempt;
        b.deliveryCount = deliveryCount;
        b.rounds = rounds;
        b.iters = iters;
        b.roundsDone = roundsDone;
        b.round = round;
        b.iteration = iteration;
        b.run = run;
        b.error = error;
        b.startedAt = startedAt;
        b.updatedAt = updatedAt;
        b.finishedAt = finishedAt;
        b.lastRoundMillis = lastRoundMillis;
        return b;
    }

    /** The one place the fields are listed in order: every wither changes a copy's fields by name. */
    private static final class Builder {
        int schemaVersion;
        String jobId;
        JobState state;
        String workerId;
        String attempt;
        int deliveryCount;
        int rounds;
        int iters;
        int roundsDone;
        Integer round;
        Integer iteration;
        RunDetails run;
        String error;
        Instant startedAt;
        Instant updatedAt;
        Instant finishedAt;
        Long lastRoundMillis;

        JobStatus build() {
            return new JobStatus(
                    schemaVersion,
                    jobId,
                    state,
                    workerId,
                    attempt,
                    deliveryCount,
                    rounds,
                    iters,
                    roundsDone,
                    round,
                    iteration,
                    run,
                    error,
                    startedAt,
                    updatedAt,
                    finishedAt,
                    lastRoundMillis);
        }
    }

    /** True when {@code other} records the same owner attempt as this one. */
    public boolean sameOwner(JobStatus other) {
        return other != null && attempt != null && attempt.equals(other.attempt);
    }

    /** Contract violations, one line each; empty when fine. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (!JobIds.isValid(jobId)) {
            problems.add("jobId '" + jobId + "' is not a job id (32 lower-case hex digits)");
        }
        if (state == null || state == JobState.QUEUED) {
            problems.add("state " + state + " is not a worker's state (running, succeeded, failed, canceled)");
        }
        if (attempt == null || attempt.isBlank()) {
            problems.add("attempt is missing");
        }
        if (roundsDone < 0 || (rounds > 0 && roundsDone > rounds)) {
            problems.add("roundsDone " + roundsDone + " is outside 0.." + rounds);
        }
        return problems;
    }
}
