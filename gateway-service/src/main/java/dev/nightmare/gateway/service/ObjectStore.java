package dev.nightmare.gateway.service;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * The bucket the jobs live in (see {@code JobKeys}). Implementations throw {@link
 * StorageUnavailableException} when the server cannot be reached, never a client-library type.
 */
public interface ObjectStore {
    void put(String key, byte[] bytes, String contentType);

    /** Writes only if the key does not exist yet ({@code If-None-Match: *}); false if it did. */
    boolean putIfAbsent(String key, byte[] bytes, String contentType);

    Optional<byte[]> get(String key);

    /** The object as a stream for relaying to a client, or empty if absent; close it. */
    Optional<StoredObject> open(String key);

    boolean exists(String key);

    /** Keys under {@code prefix} in key order, after {@code startAfter} (null: from the start). */
    List<String> list(String prefix, String startAfter, int max);

    void delete(String key);

    /** Deletes every object under {@code prefix}. */
    void deletePrefix(String prefix);

    /** A GET URL for {@code key} valid for {@code seconds}. */
    String presignGet(String key, int seconds);

    /** True when the bucket answers; for readiness. */
    boolean ready();

    /** An object being relayed: its bytes, size and content type. */
    record StoredObject(InputStream body, long size, String contentType) implements AutoCloseable {
        @Override
        public void close() throws java.io.IOException {
            body.close();
        }
    }
}
