package dev.nightmare.worker.service;

/**
 * A dependency (S3, Kafka, the model-store) did not answer or answered with a server error:
 * worth retrying, and never a reason to fail a job.
 */
public class TransientException extends RuntimeException {
    public TransientException(String message, Throwable cause) {
        super(message, cause);
    }
}
