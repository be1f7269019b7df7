package dev.nightmare.worker.service;

import dev.nightmare.retry.Retry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * One delivery's calls to its dependencies: each retried while it fails transiently, until it
 * succeeds, the retry budget is spent, or the delivery is abandoned (then the last {@link
 * TransientException} is thrown).
 */
final class JobIo {
    private final String jobId;
    private final Retry retry;
    private final JobControl control;
    private final Executor executor;

    /** @param retry a policy that retries {@link TransientException}s */
    JobIo(String jobId, Retry retry, JobControl control, Executor executor) {
        this.jobId = jobId;
        this.retry = retry;
        this.control = control;
        this.executor = executor;
    }

    <T> T call(String what, Supplier<T> operation) {
        return retry.call("job " + jobId + ": " + what, operation::get, control::abandoned);
    }

    void run(String what, Runnable operation) {
        call(what, () -> {
            operation.run();
            return null;
        });
    }

    /** {@link #call} on another thread, for reads and writes that do not depend on each other. */
    <T> CompletableFuture<T> async(String what, Supplier<T> operation) {
        return CompletableFuture.supplyAsync(() -> call(what, operation), executor);
    }

    /** The future's value; its failure rethrown as it was thrown (not wrapped). */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
