package dev.nightmare.modelstore.service;

import dev.nightmare.s3.S3Bucket;
import dev.nightmare.s3.S3UnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The models in one S3 bucket under a prefix, in the same layout as the models directory:
 * {@code <prefix>NAME.cfg|weights|json} is the current version of NAME, and
 * {@code <prefix>versions/<sha256>/NAME.cfg|weights|json} every version uploaded through the store.
 * Objects are streamed, never read whole; S3 failures are {@link IOException}s, as a directory's
 * would be.
 */
public final class S3Models {
    /** Under the prefix: where the store keeps every uploaded version. */
    public static final String VERSIONS = "versions/";

    private final S3Bucket models;

    /** @param bucket the bucket, already viewed under the models' prefix */
    public S3Models(S3Bucket bucket) {
        this.models = bucket;
    }

    /** {@code s3://bucket/prefix}, for messages. */
    public String describe() {
        return models.describe();
    }

    /** Creates the bucket if needed (the local platform starts with none); true when it was there. */
    public boolean ensureBucket() throws IOException {
        boolean there = models.reachable();
        if (!there) {
            s3(() -> {
                models.ensureExists();
                return null;
            });
        }
        return there;
    }

    /** Keys relative to the prefix: only the top level ({@code NAME.cfg} ...) when not recursive. */
    public List<String> list(String under, boolean recursive) throws IOException {
        return s3(() -> models.list(under, null, Integer.MAX_VALUE, recursive));
    }

    /** The object's bytes as a stream. */
    public InputStream open(String key) throws IOException {
        return s3(() -> models.open(key))
                .orElseThrow(() -> new IOException(describe() + key + " does not exist"))
                .body();
    }

    /** Uploads a local file (multipart for large ones, streamed from disk). */
    public void put(String key, Path file) throws IOException {
        s3(() -> {
            models.upload(key, file);
            return null;
        });
    }

    public void remove(String key) throws IOException {
        s3(() -> {
            models.delete(key);
            return null;
        });
    }

    private static <T> T s3(Supplier<T> call) throws IOException {
        try {
            return call.get();
        } catch (S3UnavailableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
