package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The kinds of {@link JobEvent}; the lower-case names are the SSE event names too. */
public enum EventType {
    /** Published by the gateway once the request is on {@link Topics#REQUESTS}. */
    @JsonProperty("queued")
    QUEUED,
    /** A worker owns the job (also after a redelivery, with a new attempt). */
    @JsonProperty("started")
    STARTED,
    /** An iteration finished; throttled by the worker. */
    @JsonProperty("progress")
    PROGRESS,
    /** A round's image and checkpoint are stored. */
    @JsonProperty("round")
    ROUND,
    @JsonProperty("succeeded")
    SUCCEEDED,
    @JsonProperty("failed")
    FAILED,
    @JsonProperty("canceled")
    CANCELED;

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED;
    }

    /** The lower-case name used in JSON and as the SSE event name. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The job state this event leaves the job in. */
    public JobState state() {
        return switch (this) {
            case QUEUED -> JobState.QUEUED;
            case STARTED, PROGRESS, ROUND -> JobState.RUNNING;
            case SUCCEEDED -> JobState.SUCCEEDED;
            case FAILED -> JobState.FAILED;
            case CANCELED -> JobState.CANCELED;
        };
    }
}
