package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.backend.BackendConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CudaOptionsTest {
    @Test
    void defaultsAreFp32GemmAlgorithmsOnDeviceZero() {
        CudaOptions o = CudaOptions.from(BackendConfig.defaults());
        assertThat(o).isEqualTo(new CudaOptions(0, false, false, 1024L << 20, true));
        assertThat(o.precision()).isEqualTo("FP32");
    }

    @Test
    void propertiesSelectDeviceTf32AlgorithmsAndWorkspace() {
        CudaOptions o = CudaOptions.from(new BackendConfig(
                1,
                Map.of(
                        "cuda.device",
                        "1",
                        "cuda.tf32",
                        "true",
                        "cuda.algorithms",
                        "any",
                        "cuda.workspaceMiB",
                        "64",
                        "cuda.backwardData",
                        "cudnn")));
        assertThat(o).isEqualTo(new CudaOptions(1, true, true, 64L << 20, false));
        assertThat(o.precision()).isEqualTo("TF32, any algorithm");
    }

    @Test
    void badValuesAreRejectedNamingTheProperty() {
        assertThatThrownBy(() -> CudaOptions.from(new BackendConfig(1, Map.of("cuda.tf32", "yes"))))
                .hasMessageContaining("cuda.tf32");
        assertThatThrownBy(() -> CudaOptions.from(new BackendConfig(1, Map.of("cuda.device", "x"))))
                .hasMessageContaining("cuda.device");
        assertThatThrownBy(() -> CudaOptions.from(new BackendConfig(1, Map.of("cuda.algorithms", "fft"))))
                .hasMessageContaining("cuda.algorithms");
        assertThatThrownBy(() -> CudaOptions.from(new BackendConfig(1, Map.of("cuda.backwardData", "gemm"))))
                .hasMessageContaining("cuda.backwardData")
                .hasMessageContaining("fast or cudnn");
    }
}
