package dev.nightmare.modelstore.service;

import dev.nightmare.modelstore.ModelEntry;
import dev.nightmare.modelstore.ModelVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What the store serves, in memory: each model name's entry (ready with its current version, or
 * broken with a reason) and every known version by name and SHA-256 (two names may hold the same bytes). Entries are immutable records, so
 * replacing a model's current version is one atomic map update that readers never see half-done.
 */
@ApplicationScoped
public class ModelCatalog {
    private final ConcurrentMap<String, ModelEntry> entries = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, ModelVersion> versions = new ConcurrentHashMap<>();
    private volatile boolean scanned;

    /** Whether the start-up scan has finished (readiness). */
    public boolean scanned() {
        return scanned;
    }

    void markScanned() {
        scanned = true;
    }

    /** Every model name, sorted. */
    public List<ModelEntry> list() {
        return entries.values().stream()
                .sorted(Comparator.comparing(ModelEntry::name))
                .toList();
    }

    public Optional<ModelEntry> get(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** A kept version of {@code name} by hash (current or earlier). */
    public Optional<ModelVersion> version(String name, String sha256) {
        return Optional.ofNullable(versions.get(key(name, sha256)));
    }

    /** Every kept version of {@code name}, the current one first, then by hash. */
    public List<String> versionsOf(String name) {
        String current = get(name)
                .filter(ModelEntry::isReady)
                .map(e -> e.current().sha256())
                .orElse("");
        return versions.values().stream()
                .filter(v -> v.name().equals(name))
                .map(ModelVersion::sha256)
                .sorted(Comparator.comparing((String sha) -> !sha.equals(current))
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
    }

    public long count(boolean ready) {
        return entries.values().stream().filter(e -> e.isReady() == ready).count();
    }

    /** Records a version (idempotent: the same hash is the same bytes). */
    void addVersion(ModelVersion version) {
        versions.putIfAbsent(key(version.name(), version.sha256()), version);
    }

    private static String key(String name, String sha256) {
        return name + "/" + sha256;
    }

    /** Makes {@code entry} what its name serves from now on. */
    void put(ModelEntry entry) {
        if (entry.isReady()) {
            addVersion(entry.current());
        }
        entries.put(entry.name(), entry);
    }
}
