package dev.nightmare.worker.service;

import dev.nightmare.contracts.JobStatus;
import dev.nightmare.engine.image.Image;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The S3 objects of jobs (layout: {@code JobKeys}, rules: docs/architecture.md), as the worker
 * reads and writes them. Every method fails fast: a server that does not answer, or answers with a
 * server error, is a {@link TransientException} for the caller to retry with backoff.
 */
public interface JobStore {
    /** {@code jobs/{id}/request.json}; empty when the job does not exist (or was deleted). */
    Optional<byte[]> request(String jobId);

    /** {@code jobs/{id}/input.png}; empty when missing. */
    Optional<byte[]> input(String jobId);

    /** {@code status.json} with its ETag; empty when no worker has written one. */
    Optional<Versioned<JobStatus>> status(String jobId);

    /** True when the gateway's cancel marker exists. */
    boolean cancelRequested(String jobId);

    /**
     * True while the job exists ({@code request.json} is there); false once it was deleted. Stores
     * that can ask without reading the document should (a HEAD).
     */
    default boolean exists(String jobId) {
        return request(jobId).isPresent();
    }

    /** Rounds 0..n−1 that have both image ({@code format}) and checkpoint stored, contiguous from 0. */
    int storedRounds(String jobId, String format);

    /**
     * The round's float checkpoint, read as it streams in (never held whole as bytes); empty when
     * missing.
     *
     * @param maxValues the most values (w·h·c) this job's checkpoint can hold; a file declaring
     *     more is malformed
     * @throws dev.nightmare.engine.image.ImageException when the stored file is malformed
     */
    Optional<Image> checkpoint(String jobId, int round, long maxValues);

    /**
     * The round's image ({@code format} {@code jpg} or {@code png}); empty when missing. Every store
     * that runs jobs with {@code options.animate} implements this and {@link #putVideo}.
     */
    default Optional<byte[]> roundImage(String jobId, int round, String format) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not read round images");
    }

    /** Uploads the job's video ({@code JobKeys.video}) from a local file, streamed (the caller checked ownership). */
    default void putVideo(String jobId, String format, Path file) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not store videos");
    }

    /**
     * Uploads the round's image and its checkpoint from local files, streamed, in either order
     * (unconditionally; the caller checked ownership).
     */
    void putRound(String jobId, int round, String format, Path image, Path checkpoint);

    /**
     * Writes {@code status.json} only if it is still the version this worker saw.
     *
     * @param expectedEtag the ETag of the stored version, or null to write only if none exists
     * @return the new ETag
     * @throws PreconditionFailedException when the stored version differs
     */
    String putStatus(JobStatus status, String expectedEtag);

    /** Removes every object under the job's prefix (what a worker wrote after the job was deleted). */
    void deleteJob(String jobId);
}
