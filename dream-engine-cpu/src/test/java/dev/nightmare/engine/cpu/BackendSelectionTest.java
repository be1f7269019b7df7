package dev.nightmare.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.cpu.vector.VectorBackendProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the CPU backends are found and chosen through the engine's ServiceLoader-based selector. */
class BackendSelectionTest {
    private static final BackendConfig TWO_THREADS = new BackendConfig(2, Map.of());

    @Test
    void autoSelectionPicksOneDnnOnLinuxX86() {
        List<String> log = new ArrayList<>();
        try (Backend backend = Backends.discover().create(Backends.AUTO, TWO_THREADS, log::add)) {
            assertThat(backend.name()).isEqualTo(OneDnnBackendProvider.NAME);
            assertThat(backend.device()).startsWith("oneDNN 3.11").contains("2 threads");
        }
        assertThat(log).anyMatch(line -> line.startsWith("backend onednn on oneDNN"));
    }

    @Test
    void bothBackendsAreRegisteredAndRankedBelowGpuAboveReference() {
        List<BackendProvider> providers = Backends.discover().providers();
        assertThat(providers)
                .filteredOn(p -> p.name().equals(OneDnnBackendProvider.NAME))
                .singleElement()
                .satisfies(p -> assertThat(p.priority()).isEqualTo(200));
        assertThat(providers)
                .filteredOn(p -> p.name().equals(VectorBackendProvider.NAME))
                .singleElement()
                .satisfies(p -> assertThat(p.priority()).isEqualTo(100));
        assertThat(new OneDnnBackendProvider().unavailableReason()).isEmpty();
        assertThat(new VectorBackendProvider().unavailableReason()).isEmpty();
    }

    @Test
    void vectorBackendCanBeForcedByName() {
        try (Backend backend = Backends.discover().create(VectorBackendProvider.NAME, TWO_THREADS, line -> {})) {
            assertThat(backend.name()).isEqualTo("vector");
            assertThat(backend.device()).startsWith("Java Vector API");
        }
    }
}
