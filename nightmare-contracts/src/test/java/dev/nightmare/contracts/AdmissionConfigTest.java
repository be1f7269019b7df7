package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.dream.AdmissionRule;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;

/** The services' defaults of the admission rule are the engine's stated default, not a copy that drifts. */
class AdmissionConfigTest {
    @Test
    void theMappingsDefaultsAreTheEnginesDefaultRule() throws NoSuchMethodException {
        long gflop = Long.parseLong(AdmissionConfig.class
                .getMethod("maxJobGflop")
                .getAnnotation(WithDefault.class)
                .value());
        long bytes = Long.parseLong(AdmissionConfig.class
                .getMethod("maxIterationMemoryBytes")
                .getAnnotation(WithDefault.class)
                .value());

        assertThat(new AdmissionRule(gflop * 1_000_000_000L, bytes)).isEqualTo(AdmissionRule.DEFAULT);
    }
}
