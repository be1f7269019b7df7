package dev.nightmare.s3;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.RemoveObjectsArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import io.minio.messages.DeleteError;
import io.minio.messages.DeleteObject;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One S3 bucket (optionally a key prefix in it) as the services use it: get, exists, put,
 * put-if-absent and put-if-match returning the new ETag, list, delete, delete-prefix, ensure the
 * bucket. A missing object is an empty {@code Optional}, a refused precondition an empty answer of
 * the conditional put; everything else that goes wrong is an {@link S3UnavailableException}.
 *
 * <p>Requests that are safe to repeat (reads, lists, deletes, unconditional puts) are tried once
 * more at once when the connection failed under them (a server that closed an idle connection
 * while the request was on its way); a conditional put is tried again too, and when the second try
 * finds its precondition refused, the stored object is compared with what was sent: equal means
 * the first try landed and only its answer was lost. Timeouts are not retried here: the server is
 * slow, not gone, and the callers have their own backoff.
 */
public final class S3Bucket {
    private static final String OCTETS = "application/octet-stream";

    private final MinioClient client;
    private final String bucket;
    private final String prefix;

    private S3Bucket(MinioClient client, String bucket, String prefix) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /**
     * @param ioTimeout longest wait on one socket read or write (a round's checkpoint is a few MB,
     *     a model's weights many; the timeout bounds one read, not a whole transfer)
     */
    public static S3Bucket connect(S3Settings settings, Duration ioTimeout) {
        return new S3Bucket(S3Clients.create(settings, ioTimeout), settings.bucket(), "");
    }

    /** The same bucket with every key under {@code keyPrefix} (e.g. {@code models/}). */
    public S3Bucket under(String keyPrefix) {
        return new S3Bucket(client, bucket, prefix + keyPrefix);
    }

    /** {@code s3://bucket/prefix}, for messages. */
    public String describe() {
        return "s3://" + bucket + "/" + prefix;
    }

    /** An object's bytes and the ETag that names this version of it (unquoted). */
    public record Versioned(byte[] bytes, String etag) {}

    /** An object being read: its bytes as a stream, its size (−1 when unknown) and type. Close it. */
    public record Download(InputStream body, long size, String contentType) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** Creates the bucket if it does not exist; another service creating it first is fine. */
    public void ensureExists() {
        call("create bucket", "", () -> {
            try {
                if (!client.bucketExists(
                        BucketExistsArgs.builder().bucket(bucket).build())) {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                }
            } catch (ErrorResponseException e) {
                if (!S3Errors.isBucketAlreadyThere(e)) {
                    throw e;
                }
            }
            return null;
        });
    }

    /** Whether the bucket answers (for readiness); never throws. */
    public boolean reachable() {
        try {
            return client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (Exception e) {
            return false;
        }
    }

    public Optional<byte[]> get(String key) {
        return getWithEtag(key).map(Versioned::bytes);
    }

    public Optional<Versioned> getWithEtag(String key) {
        return call("get", key, () -> {
            try (GetObjectResponse in = client.getObject(
                    GetObjectArgs.builder().bucket(bucket).object(full(key)).build())) {
                byte[] bytes = in.readAllBytes();
                return Optional.of(new Versioned(bytes, unquote(in.headers().get("ETag"))));
            } catch (ErrorResponseException e) {
                return missing(e);
            }
        });
    }

    /** The object as a stream (the caller relays and closes it), or empty when it does not exist. */
    public Optional<Download> open(String key) {
        return call("get", key, () -> {
            try {
                GetObjectResponse in = client.getObject(
                        GetObjectArgs.builder().bucket(bucket).object(full(key)).build());
                String length = in.headers().get("Content-Length");
                String type = in.headers().get("Content-Type");
                return Optional.of(
                        new Download(in, length == null ? -1 : Long.parseLong(length), type == null ? OCTETS : type));
            } catch (ErrorResponseException e) {
                return missing(e);
            }
        });
    }

    /** A HEAD of {@code key}: whether the object exists. */
    public boolean exists(String key) {
        return call("stat", key, () -> {
            try {
                client.statObject(StatObjectArgs.builder()
                        .bucket(bucket)
                        .object(full(key))
                        .build());
                return true;
            } catch (ErrorResponseException e) {
                if (S3Errors.isMissing(e)) {
                    return false;
                }
                throw e;
            }
        });
    }

    /** Writes the object whatever is there; returns its new ETag. */
    public String put(String key, byte[] bytes, String contentType) {
        return call("put", key, () -> putObject(key, bytes, contentType, Map.of()));
    }

    /** Uploads a local file (multipart for large ones, streamed from disk). */
    public void upload(String key, Path file) {
        upload(key, file, null);
    }

    /** {@link #upload(String, Path)} with the object's content type (null: the server's default). */
    public void upload(String key, Path file, String contentType) {
        call("upload", key, () -> {
            UploadObjectArgs.Builder args =
                    UploadObjectArgs.builder().bucket(bucket).object(full(key)).filename(file.toString());
            if (contentType != null) {
                args.contentType(contentType);
            }
            client.uploadObject(args.build());
            return null;
        });
    }

    /** Reads an object's body as it arrives. */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    /**
     * The object read by {@code reader} from its stream, never held whole as bytes; empty when it
     * does not exist. A connection that breaks mid-body is tried once more from the start like any
     * read; what the reader throws unchecked (a malformed body) reaches the caller as it is.
     */
    public <T> Optional<T> read(String key, BodyReader<T> reader) {
        try {
            return call("get", key, () -> {
                try (GetObjectResponse in = client.getObject(
                        GetObjectArgs.builder().bucket(bucket).object(full(key)).build())) {
                    try {
                        return Optional.of(reader.read(in));
                    } catch (RuntimeException e) {
                        throw new MalformedBody(e);
                    }
                } catch (ErrorResponseException e) {
                    return missing(e);
                }
            });
        } catch (S3UnavailableException e) {
            if (e.getCause() instanceof MalformedBody malformed) {
                throw malformed.getCause();
            }
            throw e;
        }
    }

    /** Carries a reader's own failure through {@link #call} so that it is not taken for an S3 one. */
    private static final class MalformedBody extends Exception {
        MalformedBody(RuntimeException cause) {
            super(cause);
        }

        @Override
        public synchronized RuntimeException getCause() {
            return (RuntimeException) super.getCause();
        }
    }

    /** Writes only if no object is there ({@code If-None-Match: *}): the new ETag, or empty if one was. */
    public Optional<String> putIfAbsent(String key, byte[] bytes, String contentType) {
        return conditionalPut(key, bytes, contentType, Map.of("If-None-Match", "*"));
    }

    /**
     * Writes only if the stored object is still the version {@code etag} names ({@code If-Match}):
     * the new ETag, or empty when it changed (or was deleted).
     */
    public Optional<String> putIfMatch(String key, byte[] bytes, String contentType, String etag) {
        return conditionalPut(key, bytes, contentType, Map.of("If-Match", "\"" + etag + "\""));
    }

    private Optional<String> conditionalPut(
            String key, byte[] bytes, String contentType, Map<String, String> condition) {
        try {
            return attemptConditionalPut(key, bytes, contentType, condition);
        } catch (Exception first) {
            if (!connectionFailed(first)) {
                throw failure("put", key, first);
            }
            Optional<String> second;
            try {
                second = attemptConditionalPut(key, bytes, contentType, condition);
            } catch (Exception e) {
                throw failure("put", key, e);
            }
            // Refused now: our first try may have landed with only its answer lost.
            return second.isPresent()
                    ? second
                    : getWithEtag(key)
                            .filter(v -> Arrays.equals(v.bytes(), bytes))
                            .map(Versioned::etag);
        }
    }

    private Optional<String> attemptConditionalPut(
            String key, byte[] bytes, String contentType, Map<String, String> condition) throws Exception {
        try {
            return Optional.of(putObject(key, bytes, contentType, condition));
        } catch (ErrorResponseException e) {
            if (e.response() != null && e.response().code() == 412) {
                return Optional.empty();
            }
            // If-Match on an object deleted meanwhile: S3 answers 404 (NoSuchKey), not 412. It is
            // the same refusal (the version is not there), not an outage to retry.
            if (condition.containsKey("If-Match") && S3Errors.isMissing(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private String putObject(String key, byte[] bytes, String contentType, Map<String, String> headers)
            throws Exception {
        return unquote(client.putObject(PutObjectArgs.builder().bucket(bucket).object(full(key)).stream(
                                new ByteArrayInputStream(bytes), bytes.length, -1)
                        .contentType(contentType)
                        .headers(headers)
                        .build())
                .etag());
    }

    /** Every key under {@code keyPrefix}, in key order, relative to this view's prefix. */
    public List<String> list(String keyPrefix) {
        return list(keyPrefix, null, Integer.MAX_VALUE, true);
    }

    /**
     * Keys under {@code keyPrefix} in key order, after {@code startAfter} (null: from the start), at
     * most {@code max}; with {@code recursive} false only the objects directly under it.
     */
    public List<String> list(String keyPrefix, String startAfter, int max, boolean recursive) {
        return call("list", keyPrefix, () -> {
            List<String> keys = new ArrayList<>();
            ListObjectsArgs.Builder args = ListObjectsArgs.builder()
                    .bucket(bucket)
                    .prefix(full(keyPrefix))
                    .recursive(recursive)
                    .maxKeys(Math.min(Math.max(max, 1), 1000));
            if (startAfter != null) {
                args.startAfter(full(startAfter));
            }
            for (Result<Item> result : client.listObjects(args.build())) {
                Item item = result.get();
                if (!item.isDir()) {
                    keys.add(item.objectName().substring(prefix.length()));
                }
                if (keys.size() >= max) {
                    break;
                }
            }
            return keys;
        });
    }

    /** Deletes the object; deleting one that is not there is fine. */
    public void delete(String key) {
        call("delete", key, () -> {
            client.removeObject(
                    RemoveObjectArgs.builder().bucket(bucket).object(full(key)).build());
            return null;
        });
    }

    /** Deletes every object under {@code keyPrefix}. */
    public void deletePrefix(String keyPrefix) {
        List<String> keys = list(keyPrefix);
        if (keys.isEmpty()) {
            return;
        }
        call("delete", keyPrefix, () -> {
            List<DeleteObject> objects =
                    keys.stream().map(k -> new DeleteObject(full(k))).toList();
            // The result is lazy: iterating it performs the deletes and reports failures.
            for (Result<DeleteError> error : client.removeObjects(
                    RemoveObjectsArgs.builder().bucket(bucket).objects(objects).build())) {
                DeleteError e = error.get();
                throw new IOException("delete " + e.objectName() + ": " + e.message());
            }
            return null;
        });
    }

    /** A GET URL for {@code key} on the S3 endpoint, valid for {@code lifetime}. */
    public String presignGet(String key, Duration lifetime) {
        return call(
                "presign",
                key,
                () -> client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                        .method(Method.GET)
                        .bucket(bucket)
                        .object(full(key))
                        .expiry((int) lifetime.toSeconds())
                        .build()));
    }

    @FunctionalInterface
    private interface S3Call<T> {
        T run() throws Exception;
    }

    /** Runs a request that is safe to repeat: once more at once when its connection failed. */
    private <T> T call(String what, String key, S3Call<T> request) {
        try {
            return request.run();
        } catch (Exception first) {
            if (!connectionFailed(first)) {
                throw failure(what, key, first);
            }
            try {
                return request.run();
            } catch (Exception second) {
                second.addSuppressed(first);
                throw failure(what, key, second);
            }
        }
    }

    /** The connection broke (closed, reset, refused): unlike a timeout or an S3 error answer, worth one more try. */
    private static boolean connectionFailed(Exception e) {
        return e instanceof IOException && !(e instanceof InterruptedIOException);
    }

    private static <T> Optional<T> missing(ErrorResponseException e) throws ErrorResponseException {
        if (S3Errors.isMissing(e)) {
            return Optional.empty();
        }
        throw e;
    }

    private S3UnavailableException failure(String what, String key, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new S3UnavailableException("S3 " + what + " " + describe() + key + " failed: " + e, e);
    }

    private String full(String key) {
        return prefix + key;
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return null;
        }
        String s = etag.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
