package dev.nightmare.engine.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * Finds backends with {@link ServiceLoader}, ranks them, and picks one: the named one (failing
 * loudly when it cannot run) or, for {@code auto}, the highest-priority one that can, saying once
 * why each better one was passed over.
 */
public final class Backends {
    public static final String AUTO = "auto";

    private final List<BackendProvider> providers;

    public Backends(List<BackendProvider> providers) {
        List<BackendProvider> sorted = new ArrayList<>(providers);
        sorted.sort(
                Comparator.comparingInt(BackendProvider::priority).reversed().thenComparing(BackendProvider::name));
        this.providers = List.copyOf(sorted);
    }

    /** Every provider on the class path. */
    public static Backends discover() {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(found::add);
        return new Backends(found);
    }

    public List<BackendProvider> providers() {
        return providers;
    }

    public List<String> names() {
        return providers.stream().map(BackendProvider::name).toList();
    }

    /**
     * Creates the backend {@code name} asks for ({@code auto} = best available).
     *
     * @param log receives one line per better backend passed over, and the choice
     * @throws BackendUnavailableException for a named backend that is unknown or cannot run here
     */
    public Backend create(String name, BackendConfig config, Consumer<String> log) {
        if (!AUTO.equals(name)) {
            BackendProvider provider = providers.stream()
                    .filter(p -> p.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new BackendUnavailableException("backend '" + name
                            + "' is unknown; expected auto or one of " + String.join(", ", names())));
            Optional<String> reason = provider.unavailableReason();
            if (reason.isPresent()) {
                throw new BackendUnavailableException(
                        "backend '" + name + "' was requested but cannot run here: " + reason.get());
            }
            Backend backend = provider.create(config);
            log.accept("backend " + backend.name() + " on " + backend.device());
            return backend;
        }
        for (BackendProvider provider : providers) {
            Optional<String> reason = provider.unavailableReason();
            if (reason.isPresent()) {
                log.accept("backend " + provider.name() + " not used: " + reason.get());
                continue;
            }
            try {
                Backend backend = provider.create(config);
                log.accept("backend " + backend.name() + " on " + backend.device());
                return backend;
            } catch (BackendUnavailableException | LinkageError e) {
                log.accept("backend " + provider.name() + " not used: " + e.getMessage());
            }
        }
        throw new BackendUnavailableException("no backend can run here; tried " + String.join(", ", names()));
    }
}
