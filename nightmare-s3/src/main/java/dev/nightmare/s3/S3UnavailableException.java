package dev.nightmare.s3;

/**
 * S3 did not do what was asked: the server could not be reached, timed out, or answered with an
 * error other than a missing object or a refused precondition (which {@link S3Bucket} reports as
 * values). The message names the operation and the key, never the credentials.
 */
public final class S3UnavailableException extends RuntimeException {
    public S3UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
