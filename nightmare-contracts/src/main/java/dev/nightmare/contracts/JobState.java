package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A job's state as clients see it, derived from durable state only (see {@link #derive}): {@code
 * queued} until a worker writes {@code status.json}, then {@code running}, and finally one of the
 * three final states.
 */
public enum JobState {
    @JsonProperty("queued")
    QUEUED,
    @JsonProperty("running")
    RUNNING,
    @JsonProperty("succeeded")
    SUCCEEDED,
    @JsonProperty("failed")
    FAILED,
    @JsonProperty("canceled")
    CANCELED;

    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELED;
    }

    /** The lower-case name used in JSON, URLs and SSE. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The state of a job whose request exists: {@code queued} while no worker has written its
     * status, else the worker's state. A cancel marker alone does not make a job {@code canceled}:
     * only the worker's acknowledgement (status {@code canceled}) does, so the state never claims
     * a stop that has not happened.
     *
     * @param status the job's {@code status.json}, or null when none exists yet
     */
    public static JobState derive(JobStatus status) {
        return status == null ? QUEUED : status.state();
    }
}
