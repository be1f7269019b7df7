package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CudnnStatusTest {
    @Test
    void namesStatusesInTheLoadedCudnnsNumbering() {
        assertThat(CudnnStatus.name(9, 8)).isEqualTo("CUDNN_STATUS_NOT_SUPPORTED (9)");
        assertThat(CudnnStatus.name(3000, 9)).isEqualTo("CUDNN_STATUS_NOT_SUPPORTED (3000)");
        assertThat(CudnnStatus.name(2002, 9)).isEqualTo("CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER (2002)");
        assertThat(CudnnStatus.name(2099, 9)).isEqualTo("CUDNN_STATUS_BAD_PARAM (2099)");
        assertThat(CudnnStatus.name(0, 9)).isEqualTo("CUDNN_STATUS_SUCCESS (0)");
        assertThat(CudnnStatus.name(77, 8)).isEqualTo("unknown cuDNN status (77)");
    }

    @Test
    void cudnnVersionsParseInBothSchemes() {
        assertThat(new CudnnLibrary.Loaded(8_907, false, "x").versionString()).isEqualTo("8.9.7");
        assertThat(new CudnnLibrary.Loaded(91_002, true, "x").versionString()).isEqualTo("9.10.2");
        assertThat(new CudnnLibrary.Loaded(91_002, true, "x").major()).isEqualTo(9);
    }
}
