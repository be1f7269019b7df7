package dev.nightmare.worker.client;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.s3.S3Clients;
import dev.nightmare.s3.S3Errors;
import dev.nightmare.worker.config.S3Config;
import dev.nightmare.worker.service.JobStore;
import dev.nightmare.worker.service.PreconditionFailedException;
import dev.nightmare.worker.service.TransientException;
import dev.nightmare.worker.service.Versioned;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@link JobStore} on an S3 server through the MinIO SDK, with short timeouts so an outage is a
 * quick {@link TransientException}. Status writes are conditional ({@code If-None-Match: *} or
 * {@code If-Match: <etag>}); MinIO and AWS check the precondition atomically, s3proxy 4.1 checks
 * then writes (docs/architecture.md, "Ownership").
 */
public final class S3JobStore implements JobStore {
    private static final String JSON = "application/json";
    /** Longest wait on one S3 read or write: a round's checkpoint is a few MB. */
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(20);

    private final MinioClient client;
    private final String bucket;
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();

    public S3JobStore(S3Config config) {
        this.client = S3Clients.create(
                config.endpoint(), config.accessKey(), config.secretKey(), config.region(), IO_TIMEOUT);
        this.bucket = config.bucket();
    }

    /** Creates the bucket if it does not exist (the gateway does too; whoever starts first). */
    public void ensureBucket() {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (ErrorResponseException e) {
            if (!S3Errors.isBucketAlreadyThere(e)) {
                throw failure("create bucket " + bucket, e);
            }
        } catch (Exception e) {
            throw failure("create bucket " + bucket, e);
        }
    }

    public boolean reachable() {
        try {
            return client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public Optional<byte[]> request(String jobId) {
        return get(JobKeys.request(jobId));
    }

    @Override
    public Optional<byte[]> input(String jobId) {
        return get(JobKeys.input(jobId));
    }

    @Override
    public Optional<Versioned<JobStatus>> status(String jobId) {
        String key = JobKeys.status(jobId);
        try (GetObjectResponse in = client.getObject(
                GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            byte[] bytes = in.readAllBytes();
            String etag = in.headers().get("ETag");
            return Optional.of(new Versioned<>(ContractJson.readStatus(bytes), unquote(etag)));
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return Optional.empty();
            }
            throw failure("get " + key, e);
        } catch (Exception e) {
            throw failure("get " + key, e);
        }
    }

    @Override
    public boolean cancelRequested(String jobId) {
        return present(JobKeys.cancel(jobId));
    }

    @Override
    public boolean exists(String jobId) {
        return present(JobKeys.request(jobId));
    }

    /** A HEAD of {@code key}: true when the object exists. */
    private boolean present(String key) {
        try {
            client.statObject(
                    StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return false;
            }
            throw failure("stat " + key, e);
        } catch (Exception e) {
            throw failure("stat " + key, e);
        }
    }

    @Override
    public int storedRounds(String jobId, String format) {
        String prefix = JobKeys.rounds(jobId);
        Set<Integer> images = new HashSet<>();
        Set<Integer> checkpoints = new HashSet<>();
        try {
            for (Result<Item> result : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket)
                    .prefix(prefix)
                    .recursive(true)
                    .build())) {
                String key = result.get().objectName();
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
        } catch (Exception e) {
            throw failure("list " + prefix, e);
        }
        int done = 0;
        while (images.contains(done) && checkpoints.contains(done)) {
            done++;
        }
        return done;
    }

    @Override
    public Optional<byte[]> checkpoint(String jobId, int round) {
        return get(JobKeys.roundCheckpoint(jobId, round));
    }

    /** Writes the round's image and checkpoint concurrently (either may land first). */
    @Override
    public void putRound(String jobId, int round, String format, byte[] image, byte[] checkpoint) {
        String mediaType = "png".equals(format) ? "image/png" : "image/jpeg";
        // Both at once: the round counts as stored only when both exist, so their order is free.
        CompletableFuture<ObjectWriteResponse> first = CompletableFuture.supplyAsync(
                () -> put(JobKeys.roundImage(jobId, round, format), image, mediaType, Map.of()), io);
        put(JobKeys.roundCheckpoint(jobId, round), checkpoint, "application/octet-stream", Map.of());
        try {
            first.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    @Override
    public String putStatus(JobStatus status, String expectedEtag) {
        Map<String, String> condition =
                expectedEtag == null ? Map.of("If-None-Match", "*") : Map.of("If-Match", "\"" + expectedEtag + "\"");
        return unquote(put(JobKeys.status(status.jobId()), ContractJson.write(status), JSON, condition)
                .etag());
    }

    private ObjectWriteResponse put(String key, byte[] bytes, String contentType, Map<String, String> headers) {
        try {
            return client.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(
                            new ByteArrayInputStream(bytes), bytes.length, -1)
                    .contentType(contentType)
                    .headers(headers)
                    .build());
        } catch (ErrorResponseException e) {
            if (e.response() != null && e.response().code() == 412) {
                throw new PreconditionFailedException(key);
            }
            throw failure("put " + key, e);
        } catch (Exception e) {
            throw failure("put " + key, e);
        }
    }

    private Optional<byte[]> get(String key) {
        try (GetObjectResponse in = client.getObject(
                GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return Optional.of(in.readAllBytes());
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return Optional.empty();
            }
            throw failure("get " + key, e);
        } catch (Exception e) {
            throw failure("get " + key, e);
        }
    }

    /**
     * Every S3 failure but a missing object or a refused precondition is treated as transient: a
     * server error or outage passes, and a misconfiguration (403) is for the operator to fix while
     * the job waits for redelivery rather than failing it.
     */
    private static TransientException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new TransientException("S3 " + what + " failed: " + e, e);
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return null;
        }
        String s = etag.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
