package dev.nightmare.engine.backend;

import java.util.Map;

/**
 * Settings every backend understands, plus backend-specific properties (for example {@code
 * cuda.device}, {@code cuda.tf32}).
 *
 * @param threads CPU threads a backend may use; fixed per run so results are reproducible
 * @param properties backend-specific settings, namespaced by backend name
 */
public record BackendConfig(int threads, Map<String, String> properties) {
    public BackendConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        properties = Map.copyOf(properties);
    }

    public static BackendConfig defaults() {
        return new BackendConfig(Runtime.getRuntime().availableProcessors(), Map.of());
    }

    public String property(String key, String fallback) {
        return properties.getOrDefault(key, fallback);
    }
}
