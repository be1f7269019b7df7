package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.backend.BackendUnavailableException;
import dev.nightmare.engine.backend.Backends;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On a machine without a usable GPU (every CI machine here): the provider is discovered, says why
 * it cannot run in one line, {@code auto} falls back to a CPU backend and logs that reason, and an
 * explicit {@code cuda} request fails with it. Probing must not crash the JVM.
 */
class CudaFallbackTest {
    private Optional<String> reason;

    @BeforeEach
    void probe() {
        reason = new CudaBackendProvider().unavailableReason();
        assumeTrue(reason.isPresent(), "a usable GPU is present: the fallback cannot happen here");
    }

    @Test
    void providerIsDiscoveredWithGpuPriority() {
        BackendProvider cuda = Backends.discover().providers().stream()
                .filter(p -> p.name().equals("cuda"))
                .findFirst()
                .orElseThrow();
        assertThat(cuda.priority()).isEqualTo(300);
        assertThat(Backends.discover().providers().getFirst().name()).isEqualTo("cuda");
    }

    @Test
    void unavailableReasonIsOneLine() {
        assertThat(reason.get()).isNotBlank().doesNotContain("\n");
        assertThat(new CudaBackendProvider().unavailableReason())
                .as("the probe runs once and is remembered")
                .isEqualTo(reason);
    }

    @Test
    void autoFallsBackToACpuBackendAndLogsWhy() {
        List<String> log = new ArrayList<>();
        try (Backend backend = Backends.discover().create(Backends.AUTO, BackendConfig.defaults(), log::add)) {
            assertThat(backend.name()).isNotEqualTo("cuda");
        }
        assertThat(log).contains("backend cuda not used: " + reason.get());
    }

    @Test
    void requestingCudaExplicitlyFailsClearly() {
        assertThatThrownBy(() -> Backends.discover().create("cuda", BackendConfig.defaults(), line -> {}))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessage("backend 'cuda' was requested but cannot run here: " + reason.get());
    }

    @Test
    void creatingTheBackendDirectlyFailsWithTheReason() {
        assertThatThrownBy(() -> new CudaBackendProvider().create(BackendConfig.defaults()))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessage(reason.get());
    }
}
