package dev.nightmare.gateway.webhooks;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One webhook to deliver, as the outbox stores it ({@code webhooks/{id}} in the jobs' bucket): what
 * to send, byte for byte the same on every attempt, and where its attempts stand. A replica
 * attempting it holds a claim ({@code claimedUntil}, set by a conditional put), so no two replicas
 * attempt one delivery at once; a claim left by a replica that died lapses by itself.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}
 * @param id the Standard Webhooks {@code webhook-id}: {@code {jobId}-start}, {@code
 *     {jobId}-round-{n}} or {@code {jobId}-completed}, the same on every attempt of the event
 * @param jobId the job
 * @param eventType the job event's type ({@code started}, {@code round}, {@code succeeded} …), the
 *     {@code Nightmare-Event} header
 * @param url the callback URL (checked against the allow-list again before each attempt)
 * @param body the JSON body, exactly as signed and sent
 * @param attempts attempts made so far
 * @param nextAttemptAt when the next attempt is due
 * @param claimedUntil until when {@code claimant} holds it; null when nobody does
 * @param claimant the replica holding it (for logs), or null
 * @param createdAt when the event was taken from Kafka
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Delivery(
        int schemaVersion,
        String id,
        String jobId,
        String eventType,
        String url,
        String body,
        int attempts,
        Instant nextAttemptAt,
        Instant claimedUntil,
        String claimant,
        Instant createdAt) {

    public static final int SCHEMA_VERSION = 1;

    /** The id of a job's event of kind {@code event}; {@code round} only for {@link WebhookEvent#ROUND}. */
    public static String idOf(String jobId, WebhookEvent event, Integer round) {
        return switch (event) {
            case START -> jobId + "-start";
            case ROUND -> jobId + "-round-" + round;
            case COMPLETED -> jobId + "-completed";
        };
    }

    /** A new delivery, claimed by {@code claimant} for its first attempt. */
    public static Delivery first(
            String id,
            String jobId,
            String eventType,
            String url,
            String body,
            Instant now,
            Instant claimedUntil,
            String claimant) {
        return new Delivery(SCHEMA_VERSION, id, jobId, eventType, url, body, 0, now, claimedUntil, claimant, now);
    }

    /** Whether a replica may claim it at {@code now}: due, and nobody's claim holds. */
    @JsonIgnore
    public boolean claimable(Instant now) {
        return !nextAttemptAt.isAfter(now) && (claimedUntil == null || claimedUntil.isBefore(now));
    }

    public Delivery claimed(Instant until, String by) {
        return new Delivery(
                schemaVersion, id, jobId, eventType, url, body, attempts, nextAttemptAt, until, by, createdAt);
    }

    /** After a failed attempt: one more attempt counted, the next due at {@code next}, unclaimed. */
    public Delivery failed(Instant next) {
        return new Delivery(schemaVersion, id, jobId, eventType, url, body, attempts + 1, next, null, null, createdAt);
    }
}
