package dev.nightmare.contracts;

/** Kafka topic names every service uses; tests reuse them. */
public final class Topics {
    /** Nightmare requests ({@link JobRequest}), keyed by job id; consumed by workers as a share group. */
    public static final String REQUESTS = "nightmare-requests";

    /** Job events ({@link JobEvent}), keyed by job id; every gateway replica reads all of it. */
    public static final String EVENTS = "nightmare-events";

    /**
     * Dead-letter topic for requests a worker cannot run (malformed, unknown schema version,
     * unknown model, missing input). Share-group dead-letter topic names must start with {@code
     * dlq.}.
     */
    public static final String REQUESTS_DEAD_LETTER = "dlq." + REQUESTS;

    private Topics() {}
}
