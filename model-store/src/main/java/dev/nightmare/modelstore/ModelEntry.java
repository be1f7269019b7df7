package dev.nightmare.modelstore;

/**
 * A model name as the store lists it: {@code ready} with its current version, or {@code broken}
 * with the reason (and never served).
 *
 * @param name the model name
 * @param current the version served under the name; null when broken
 * @param reason why the model is broken; null when ready
 * @param source where it was found, e.g. {@code directory /models} or {@code s3://bucket/prefix}
 */
public record ModelEntry(String name, ModelVersion current, String reason, String source) {
    public static ModelEntry ready(ModelVersion version, String source) {
        return new ModelEntry(version.name(), version, null, source);
    }

    public static ModelEntry broken(String name, String reason, String source) {
        return new ModelEntry(name, null, reason, source);
    }

    public boolean isReady() {
        return current != null;
    }

    public String status() {
        return isReady() ? "ready" : "broken";
    }
}
