package dev.nightmare.gateway.client;

import dev.nightmare.gateway.service.ObjectStore;
import dev.nightmare.gateway.service.StorageUnavailableException;
import dev.nightmare.s3.S3Bucket;
import dev.nightmare.s3.S3Config;
import dev.nightmare.s3.S3UnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/** {@link ObjectStore} on the jobs' S3 bucket, with short timeouts so an outage is a fast 503. */
@ApplicationScoped
public class S3ObjectStore implements ObjectStore {
    private static final Logger LOG = Logger.getLogger(S3ObjectStore.class);
    /** Longest wait on one S3 read or write: beyond it the request answers 503. */
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(15);

    private final S3Bucket bucket;

    public S3ObjectStore(S3Config config) {
        this.bucket = S3Bucket.connect(config.settings(), IO_TIMEOUT);
        try {
            bucket.ensureExists();
        } catch (S3UnavailableException e) {
            // Not fatal: readiness stays false and requests answer 503 until S3 is back.
            LOG.warnf("bucket %s not checked (%s); will retry on use", bucket.describe(), e.getMessage());
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        s3(() -> bucket.put(key, bytes, contentType));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes, String contentType) {
        return s3(() -> bucket.putIfAbsent(key, bytes, contentType)).isPresent();
    }

    @Override
    public Optional<byte[]> get(String key) {
        return s3(() -> bucket.get(key));
    }

    @Override
    public Optional<StoredObject> open(String key) {
        return s3(() -> bucket.open(key)).map(d -> new StoredObject(d.body(), d.size(), d.contentType()));
    }

    @Override
    public boolean exists(String key) {
        return s3(() -> bucket.exists(key));
    }

    @Override
    public List<String> list(String prefix, String startAfter, int max) {
        return s3(() -> bucket.list(prefix, startAfter, max, true));
    }

    @Override
    public void delete(String key) {
        s3(() -> {
            bucket.delete(key);
            return null;
        });
    }

    @Override
    public void deletePrefix(String prefix) {
        s3(() -> {
            bucket.deletePrefix(prefix);
            return null;
        });
    }

    @Override
    public String presignGet(String key, int seconds) {
        return s3(() -> bucket.presignGet(key, Duration.ofSeconds(seconds)));
    }

    @Override
    public boolean ready() {
        return bucket.reachable();
    }

    private static <T> T s3(Supplier<T> call) {
        try {
            return call.get();
        } catch (S3UnavailableException e) {
            throw new StorageUnavailableException(e.getMessage(), e);
        }
    }
}
