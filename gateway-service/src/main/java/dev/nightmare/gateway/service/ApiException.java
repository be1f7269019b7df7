package dev.nightmare.gateway.service;

import dev.nightmare.contracts.FieldProblem;
import java.util.List;

/**
 * A request the gateway refuses, with the HTTP status, a one-line title and, for validation
 * failures, one problem per field; {@code retryAfterSeconds} (when positive) becomes {@code
 * Retry-After}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final List<FieldProblem> problems;
    private final long retryAfterSeconds;

    public ApiException(int status, String title, List<FieldProblem> problems, long retryAfterSeconds) {
        super(title);
        this.status = status;
        this.problems = List.copyOf(problems);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException of(int status, String title) {
        return new ApiException(status, title, List.of(), 0);
    }

    public static ApiException field(int status, String field, String message) {
        return new ApiException(status, message, List.of(new FieldProblem(field, message)), 0);
    }

    public static ApiException notFound(String jobId) {
        return of(404, "no job " + jobId + " for this API key");
    }

    public static ApiException unavailable(String what, long retryAfterSeconds) {
        return new ApiException(503, what, List.of(), retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public List<FieldProblem> problems() {
        return problems;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
