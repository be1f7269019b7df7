package dev.nightmare.gateway.testing;

import dev.nightmare.gateway.service.ObjectStore;
import dev.nightmare.gateway.service.StorageUnavailableException;
import io.quarkus.test.Mock;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;

/** Unit-test stand-in for S3: a sorted map of keys, with the same semantics the gateway relies on. */
@Mock
@ApplicationScoped
public class InMemoryObjectStore implements ObjectStore {
    public record Entry(byte[] bytes, String contentType) {}

    private final ConcurrentSkipListMap<String, Entry> objects = new ConcurrentSkipListMap<>();
    private volatile boolean down;
    private volatile Predicate<String> failingWrites = key -> false;

    public Map<String, Entry> objects() {
        return objects;
    }

    public void down(boolean down) {
        this.down = down;
    }

    /** Writes of the keys {@code keys} accepts fail as an outage would, everything else works. */
    public void failWrites(Predicate<String> keys) {
        this.failingWrites = keys;
    }

    public void clear() {
        objects.clear();
        down = false;
        failingWrites = key -> false;
    }

    private void checkWrite(String key) {
        check();
        if (failingWrites.test(key)) {
            throw new StorageUnavailableException("test: the write of " + key + " failed", null);
        }
    }

    private void check() {
        if (down) {
            throw new StorageUnavailableException("test: S3 is down", null);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        checkWrite(key);
        objects.put(key, new Entry(bytes.clone(), contentType));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes, String contentType) {
        checkWrite(key);
        return objects.putIfAbsent(key, new Entry(bytes.clone(), contentType)) == null;
    }

    @Override
    public Optional<byte[]> get(String key) {
        check();
        return Optional.ofNullable(objects.get(key)).map(e -> e.bytes().clone());
    }

    @Override
    public Optional<StoredObject> open(String key) {
        check();
        return Optional.ofNullable(objects.get(key))
                .map(e -> new StoredObject(new ByteArrayInputStream(e.bytes()), e.bytes().length, e.contentType()));
    }

    @Override
    public boolean exists(String key) {
        check();
        return objects.containsKey(key);
    }

    @Override
    public List<String> list(String prefix, String startAfter, int max) {
        check();
        List<String> keys = new ArrayList<>();
        for (String key : objects.tailMap(startAfter == null ? prefix : startAfter, startAfter == null)
                .keySet()) {
            if (!key.startsWith(prefix) || keys.size() >= max) {
                break;
            }
            keys.add(key);
        }
        return keys;
    }

    @Override
    public void delete(String key) {
        check();
        objects.remove(key);
    }

    @Override
    public void deletePrefix(String prefix) {
        check();
        objects.keySet().removeIf(k -> k.startsWith(prefix));
    }

    @Override
    public String presignGet(String key, int seconds) {
        check();
        return "http://s3.test/nightmare/" + key + "?X-Amz-Expires=" + seconds;
    }

    @Override
    public boolean ready() {
        return !down;
    }
}
