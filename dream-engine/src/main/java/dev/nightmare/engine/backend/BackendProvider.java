package dev.nightmare.engine.backend;

import java.util.Optional;

/**
 * Service-provider entry for a backend ({@code META-INF/services/dev.nightmare.engine.backend.BackendProvider}).
 * Probing must never crash the JVM: a missing native library or device is a reason, not an error.
 */
public interface BackendProvider {
    /** The name {@code --backend} selects it by. */
    String name();

    /** Higher is preferred when choosing automatically (GPU 300, native CPU 200, Java SIMD 100, reference 0). */
    int priority();

    /** Empty when it can run here; otherwise why not, in one line. */
    Optional<String> unavailableReason();

    /** Creates the backend; may still throw {@link BackendUnavailableException}. */
    Backend create(BackendConfig config);
}
