package dev.nightmare.gateway.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.RunDetails;
import java.time.Instant;
import java.util.List;

/**
 * A job as its owner sees it ({@code GET /v1/nightmares/{id}}): derived from {@code
 * request.json}, {@code status.json} and the cancel marker, so every replica gives the same
 * answer.
 *
 * @param cancelRequested a cancel was asked for; it stays true once the worker has acted on it (state
 *     {@code canceled}), and a job that ended before the worker saw it keeps its own final state
 * @param rounds the rounds stored so far, numbered from 0, with their URLs
 * @param run what reproduces the run (seed, rng, backend, engine version, model sha256), once known
 * @param queuePosition jobs ahead of this one, where known (null: unknown)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        String id,
        JobState state,
        boolean cancelRequested,
        String model,
        String modelSha256,
        JobOptions options,
        Input input,
        Progress progress,
        List<Round> rounds,
        String error,
        RunDetails run,
        Timings timings,
        Integer queuePosition,
        Links links) {

    /** The stored input's size (after the {@code maxSide} downscale). */
    public record Input(int width, int height) {}

    /**
     * @param round the round in progress (0-based), if running
     * @param iteration the last iteration done within it (from the worker's progress events)
     * @param roundsDone rounds stored (0..roundsDone−1)
     * @param etaSeconds seconds left, estimated from the run's pace so far; absent before the
     *     first iteration is done and once the job is not running
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Progress(Integer round, Integer iteration, int rounds, int iters, int roundsDone, Long etaSeconds) {
        public Progress(Integer round, Integer iteration, int rounds, int iters, int roundsDone) {
            this(round, iteration, rounds, iters, roundsDone, null);
        }
    }

    /** This view with {@code progress} in place of its own. */
    public JobView withProgress(Progress progress) {
        return with(rounds, progress);
    }

    private JobView with(List<Round> rounds, Progress progress) {
        return new JobView(
                id,
                state,
                cancelRequested,
                model,
                modelSha256,
                options,
                input,
                progress,
                rounds,
                error,
                run,
                timings,
                queuePosition,
                links);
    }

    /**
     * @param url the image with the API key ({@code GET /v1/nightmares/{id}/rounds/{n}})
     * @param shareUrl an absolute link that works without the key until {@code shareExpiresAt}, for
     *     posting in a chat; absent when the operator configured no public base URL
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Round(int round, String url, String shareUrl, Instant shareExpiresAt) {
        public Round(int round, String url) {
            this(round, url, null, null);
        }
    }

    /** This view with {@code rounds} in place of its own. */
    public JobView withRounds(List<Round> rounds) {
        return with(rounds, progress);
    }

    /** Milliseconds: queued = accepted → a worker took it; lastRound = the last round's compute. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Timings(
            Instant createdAt,
            Instant startedAt,
            Instant updatedAt,
            Instant finishedAt,
            Long queuedMillis,
            Long lastRoundMillis) {}

    /** @param video the job's video, for a job with {@code options.animate} (it exists once the job succeeded) */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Links(String self, String events, String cancel, String rounds, String video) {}
}
