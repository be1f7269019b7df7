package dev.nightmare.gateway.webhooks;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.gateway.service.ApiException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The events a job's webhook filter ({@code webhookEvents}, as Replicate's {@code
 * webhook_events_filter}) can name, and how a submission's filter is read: a JSON array of names,
 * or the names separated by commas (the only form a multipart text part has). Absent means all
 * three; an unknown or empty name, or a value that is not text, is a 400 naming the field and the
 * valid names.
 */
public enum WebhookEvent {
    /** A worker started the job: the {@code started} event. */
    START("start"),
    /** A round's image is stored: each {@code round} event. */
    ROUND("round"),
    /** The job ended: the final event, {@code succeeded}, {@code failed} or {@code canceled}. */
    COMPLETED("completed");

    public static final String FIELD = "webhookEvents";
    /** The submission field's description in the OpenAPI document. */
    public static final String DESCRIPTION = "which events are sent to callbackUrl (default all): start (a worker"
            + " started the job), round (each round's image is stored), completed (the job succeeded, failed or"
            + " was canceled); an unknown name is a 400. Needs callbackUrl.";

    private static final String VALID = "start, round, completed";

    private final String wireName;

    WebhookEvent(String wireName) {
        this.wireName = wireName;
    }

    /** The name in requests and in {@link JobRequest#webhookEvents()}. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** The filter event a job event is delivered as, or empty when it is never delivered (queued, progress). */
    public static Optional<WebhookEvent> of(EventType type) {
        return switch (type) {
            case STARTED -> Optional.of(START);
            case ROUND -> Optional.of(ROUND);
            case SUCCEEDED, FAILED, CANCELED -> Optional.of(COMPLETED);
            case QUEUED, PROGRESS -> Optional.empty();
        };
    }

    /** Whether a job with this stored filter (null: every event) wants this event. */
    public boolean wantedBy(List<String> filter) {
        return filter == null || filter.contains(wireName);
    }

    /** A multipart text part: names separated by commas, or a JSON array text; null or blank: no filter. */
    public static List<String> parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("[")) {
            if (!trimmed.endsWith("]")) {
                throw refused("webhookEvents starts like a JSON array but is not one; send e.g. start,completed");
            }
            trimmed = trimmed.substring(1, trimmed.length() - 1).replace("\"", "");
            if (trimmed.isBlank()) {
                throw empty();
            }
        }
        return names(List.of(trimmed.split(",", -1)));
    }

    /** A JSON body's field: an array of names or one comma-separated string; null or absent: no filter. */
    public static List<String> parse(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return parse(node.textValue());
        }
        if (!node.isArray()) {
            throw refused("webhookEvents is " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + "; expected an array of event names (" + VALID + ")");
        }
        if (node.isEmpty()) {
            throw empty();
        }
        List<String> names = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw refused("webhookEvents holds " + item.getNodeType().name().toLowerCase(Locale.ROOT) + " " + item
                        + "; each item must be one of " + VALID + " as a string");
            }
            names.add(item.textValue());
        }
        return names(names);
    }

    /** The names checked and put in one order (start, round, completed), each once. */
    private static List<String> names(List<String> given) {
        Set<WebhookEvent> events = EnumSet.noneOf(WebhookEvent.class);
        for (String raw : given) {
            String name = raw.strip();
            if (name.isEmpty()) {
                throw refused("webhookEvents has an empty name; send names separated by single commas, e.g."
                        + " start,completed (valid: " + VALID + ")");
            }
            events.add(named(name));
        }
        return events.stream().map(WebhookEvent::wireName).toList();
    }

    private static WebhookEvent named(String name) {
        for (WebhookEvent event : values()) {
            if (event.wireName.equals(name)) {
                return event;
            }
        }
        String shown = name.length() > 40 ? name.substring(0, 40) + "…" : name;
        throw refused("webhookEvents has '" + shown + "', which is not an event; valid: " + VALID);
    }

    private static ApiException empty() {
        return refused("webhookEvents is empty; name at least one of " + VALID + ", or leave it out for all of them");
    }

    private static ApiException refused(String message) {
        return ApiException.field(400, FIELD, message);
    }
}
