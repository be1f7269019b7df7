package dev.nightmare.gateway.rest;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.gateway.service.ApiException;
import org.junit.jupiter.api.Test;

/** The benchmark's reference endpoint is no part of the production API. */
class NoopResourceTest {
    @Test
    void answersNotFoundUnlessTheBenchmarkSwitchIsOn() {
        NoopResource production = new NoopResource(null, false);

        assertThatThrownBy(() -> production.noop(new byte[10]))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((ApiException) e).status())
                        .isEqualTo(404));
    }
}
