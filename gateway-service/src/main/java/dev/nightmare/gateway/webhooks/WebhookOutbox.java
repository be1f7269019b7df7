package dev.nightmare.gateway.webhooks;

import java.util.List;
import java.util.Optional;

/**
 * The pending webhooks, shared by every gateway replica ({@link S3WebhookOutbox}: {@code
 * webhooks/{id}} in the jobs' bucket): a delivery is created when its event is taken from Kafka,
 * rewritten only if unchanged since read (an ETag match) to claim it or to count a failed attempt,
 * and deleted once delivered or given up. The conditional writes make a claim exclusive: of two
 * replicas claiming the same version, one succeeds. Failing to reach the store throws.
 */
public interface WebhookOutbox {
    /** A stored delivery and the ETag of that version, for a conditional rewrite. */
    record Stored(Delivery delivery, String etag) {}

    /** Stores a new delivery unless one with its id is there already: the new ETag, or empty. */
    Optional<String> create(Delivery delivery);

    /** Rewrites the delivery if it is still the version {@code etag}: the new ETag, or empty when it changed. */
    Optional<String> replace(Delivery delivery, String etag);

    /** The delivery with this id, or empty when there is none (an unreadable one is removed, logged). */
    Optional<Stored> read(String id);

    void delete(String id);

    /** Ids after {@code after} (null: from the first), in key order, at most {@code max}. */
    List<String> ids(String after, int max);
}
