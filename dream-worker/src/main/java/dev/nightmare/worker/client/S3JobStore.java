package dev.nightmare.worker.client;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.s3.S3Bucket;
import dev.nightmare.s3.S3Settings;
import dev.nightmare.s3.S3UnavailableException;
import dev.nightmare.worker.service.JobStore;
import dev.nightmare.worker.service.PreconditionFailedException;
import dev.nightmare.worker.service.TransientException;
import dev.nightmare.worker.service.Versioned;
import java.io.BufferedInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@link JobStore} on the jobs' S3 bucket. Status writes are conditional ({@code If-None-Match: *}
 * or {@code If-Match: <etag>}); MinIO and AWS check the precondition atomically, s3proxy 4.1 checks
 * then writes (docs/architecture.md, "Ownership"). Every S3 failure but a missing object or a
 * refused precondition is a {@link TransientException}: a server error or outage passes, and a
 * misconfiguration (403) is for the operator to fix while the job waits for redelivery.
 */
public final class S3JobStore implements JobStore {
    private static final String JSON = "application/json";
    /** Longest wait on one S3 read or write (a part of a multipart upload at most; rounds are streamed). */
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(20);

    private final S3Bucket bucket;
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();

    public S3JobStore(S3Settings settings) {
        this.bucket = S3Bucket.connect(settings, IO_TIMEOUT);
    }

    /** Creates the bucket if it does not exist (the gateway does too; whoever starts first). */
    public void ensureBucket() {
        s3(() -> {
            bucket.ensureExists();
            return null;
        });
    }

    @Override
    public Optional<byte[]> request(String jobId) {
        return s3(() -> bucket.get(JobKeys.request(jobId)));
    }

    @Override
    public Optional<byte[]> input(String jobId) {
        return s3(() -> bucket.get(JobKeys.input(jobId)));
    }

    @Override
    public Optional<Versioned<JobStatus>> status(String jobId) {
        return s3(() -> bucket.getWithEtag(JobKeys.status(jobId)))
                .map(v -> new Versioned<>(ContractJson.readStatus(v.bytes()), v.etag()));
    }

    @Override
    public boolean cancelRequested(String jobId) {
        return s3(() -> bucket.exists(JobKeys.cancel(jobId)));
    }

    @Override
    public boolean exists(String jobId) {
        return s3(() -> bucket.exists(JobKeys.request(jobId)));
    }

    @Override
    public int storedRounds(String jobId, String format) {
        Set<Integer> images = new HashSet<>();
        Set<Integer> checkpoints = new HashSet<>();
        for (String key : s3(() -> bucket.list(JobKeys.rounds(jobId)))) {
            OptionalInt round = JobKeys.roundOf(key);
            if (round.isEmpty()) {
                continue;
            }
            if (key.endsWith(".f32")) {
                checkpoints.add(round.getAsInt());
            } else if (key.endsWith("." + format)) {
                images.add(round.getAsInt());
            }
        }
        int done = 0;
        while (images.contains(done) && checkpoints.contains(done)) {
            done++;
        }
        return done;
    }

    @Override
    public Optional<Image> checkpoint(String jobId, int round, long maxValues) {
        String key = JobKeys.roundCheckpoint(jobId, round);
        return s3(() -> bucket.read(
                key,
                in -> FloatImageFile.read(
                        new BufferedInputStream(in, 1 << 16), "checkpoint of round " + round, maxValues)));
    }

    @Override
    public Optional<byte[]> roundImage(String jobId, int round, String format) {
        return s3(() -> bucket.get(JobKeys.roundImage(jobId, round, format)));
    }

    @Override
    public void putVideo(String jobId, String format, Path file) {
        s3(() -> {
            bucket.upload(JobKeys.video(jobId, format), file);
            return null;
        });
    }

    /** Uploads the round's image and checkpoint concurrently (either may land first). */
    @Override
    public void putRound(String jobId, int round, String format, Path image, Path checkpoint) {
        String mediaType = "png".equals(format) ? "image/png" : "image/jpeg";
        // Both at once: the round counts as stored only when both exist, so their order is free.
        CompletableFuture<Void> first = CompletableFuture.runAsync(
                () -> s3(() -> {
                    bucket.upload(JobKeys.roundImage(jobId, round, format), image, mediaType);
                    return null;
                }),
                io);
        s3(() -> {
            bucket.upload(JobKeys.roundCheckpoint(jobId, round), checkpoint, "application/octet-stream");
            return null;
        });
        try {
            first.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    @Override
    public String putStatus(JobStatus status, String expectedEtag) {
        String key = JobKeys.status(status.jobId());
        byte[] json = ContractJson.write(status);
        Optional<String> etag = s3(() -> expectedEtag == null
                ? bucket.putIfAbsent(key, json, JSON)
                : bucket.putIfMatch(key, json, JSON, expectedEtag));
        return etag.orElseThrow(() -> new PreconditionFailedException(key));
    }

    @Override
    public void deleteJob(String jobId) {
        s3(() -> {
            bucket.deletePrefix(JobKeys.prefix(jobId));
            return null;
        });
    }

    private static <T> T s3(Supplier<T> call) {
        try {
            return call.get();
        } catch (S3UnavailableException e) {
            throw new TransientException(e.getMessage(), e);
        }
    }
}
