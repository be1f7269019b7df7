package dev.nightmare.engine.tiling;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map that keeps its {@code capacity} most recently used entries: host buffers of recurring tile sizes. */
final class BoundedCache<K, V> extends LinkedHashMap<K, V> {
    private final int capacity;

    BoundedCache(int capacity) {
        super(16, 0.75f, true);
        this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
    }
}
