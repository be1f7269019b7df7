package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One accepted nightmare job: the message on {@link Topics#REQUESTS} (keyed by {@link #jobId})
 * and, byte for byte the same JSON, {@code jobs/{id}/request.json}, written once by the gateway
 * before it publishes. Small: the input image is in S3 at {@link #inputKey}, never in the message.
 *
 * @param schemaVersion {@link #schemaVersionFor}: 1, 2 when the options carry {@code animate}, 3
 *     when they carry {@code bnGradient}; a reader refuses any version it does not know
 * @param jobId the job id ({@link JobIds#isValid})
 * @param owner the owner: the hashed API-key id ({@link JobIds#owner}), never the key
 * @param options resolved options ({@link JobOptions#isResolved()}), the model name included
 * @param modelSha256 the model version the job was accepted with; the worker runs exactly it
 * @param inputKey the input PNG ({@link JobKeys#input}), already downscaled to {@code maxSide}
 * @param inputWidth the stored input's width in pixels
 * @param inputHeight the stored input's height in pixels
 * @param createdAt when the gateway accepted the job
 * @param deadline after this instant the job is not worth running: a worker that has not finished
 *     by then fails it with a message (null: the worker's own time limit only)
 * @param callbackUrl the chat-bot's webhook (already checked against the allow-list), or null;
 *     workers ignore it: the gateway delivers webhooks
 * @param webhookEvents which of {@link #WEBHOOK_EVENTS} go to {@code callbackUrl}; null (as in
 *     every request.json written before the field existed): all of them
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRequest(
        int schemaVersion,
        String jobId,
        String owner,
        JobOptions options,
        String modelSha256,
        String inputKey,
        int inputWidth,
        int inputHeight,
        Instant createdAt,
        Instant deadline,
        String callbackUrl,
        List<String> webhookEvents) {

    /**
     * The newest version: 2 added {@code options.animate}, 3 {@code options.bnGradient}. Readers
     * accept 1 to 3.
     */
    public static final int SCHEMA_VERSION = 3;

    /** The oldest version readers still accept. */
    public static final int OLDEST_SCHEMA_VERSION = 1;

    /**
     * The version a request with these options is written at: the oldest that carries its fields,
     * so a request without a video stays readable by workers that know only version 1 (a rolling
     * upgrade: workers first, then gateways).
     */
    public static int schemaVersionFor(JobOptions options) {
        if (options == null) {
            return OLDEST_SCHEMA_VERSION;
        }
        if (options.bnGradient() != null) {
            return 3;
        }
        return options.animate() != null ? 2 : OLDEST_SCHEMA_VERSION;
    }

    /**
     * The webhook events a job may ask for, as Replicate's {@code webhook_events_filter} names
     * them: {@code start} (the {@code started} event), {@code round} and {@code completed} (the
     * final event, whichever it is).
     */
    public static final List<String> WEBHOOK_EVENTS = List.of("start", "round", "completed");

    /** A request without a webhook filter (every event goes to {@code callbackUrl}). */
    public JobRequest(
            int schemaVersion,
            String jobId,
            String owner,
            JobOptions options,
            String modelSha256,
            String inputKey,
            int inputWidth,
            int inputHeight,
            Instant createdAt,
            Instant deadline,
            String callbackUrl) {
        this(
                schemaVersion,
                jobId,
                owner,
                options,
                modelSha256,
                inputKey,
                inputWidth,
                inputHeight,
                createdAt,
                deadline,
                callbackUrl,
                null);
    }

    @JsonIgnore
    public String model() {
        return options.model();
    }

    /** Contract violations, one line each; empty when the request may run. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (options != null && options.animate() != null && schemaVersion < 2) {
            problems.add("options.animate needs schemaVersion 2; this request is version " + schemaVersion);
        }
        if (options != null && options.bnGradient() != null && schemaVersion < 3) {
            problems.add("options.bnGradient needs schemaVersion 3; this request is version " + schemaVersion);
        }
        if (!JobIds.isValid(jobId)) {
            problems.add("jobId '" + jobId + "' is not a job id (32 lower-case hex digits)");
        }
        if (owner == null || owner.isBlank()) {
            problems.add("owner is missing");
        }
        if (options == null) {
            problems.add("options are missing");
        } else {
            if (!options.isResolved()) {
                problems.add("options are not resolved (a default is missing): " + options);
            }
            options.problems().forEach(p -> problems.add(p.message()));
        }
        if (modelSha256 == null || !modelSha256.matches("[0-9a-f]{64}")) {
            problems.add("modelSha256 '" + modelSha256 + "' is not a SHA-256 (64 lower-case hex digits)");
        }
        if (jobId != null && JobIds.isValid(jobId) && !JobKeys.input(jobId).equals(inputKey)) {
            problems.add("inputKey '" + inputKey + "' is not " + JobKeys.input(jobId));
        }
        if (inputWidth < 1 || inputHeight < 1) {
            problems.add("input size " + inputWidth + "×" + inputHeight + " is not positive");
        }
        if (createdAt == null) {
            problems.add("createdAt is missing");
        }
        if (webhookEvents != null) {
            if (webhookEvents.isEmpty()) {
                problems.add("webhookEvents is empty; null means all of " + WEBHOOK_EVENTS);
            }
            for (String event : webhookEvents) {
                if (!WEBHOOK_EVENTS.contains(event)) {
                    problems.add("webhookEvents has '" + event + "', not one of " + WEBHOOK_EVENTS);
                }
            }
        }
        return problems;
    }
}
