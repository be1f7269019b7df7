package dev.nightmare.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private final RetrySchedule schedule = new RetrySchedule(10, Duration.ofSeconds(5), Duration.ofHours(1));

    @Test
    void waitsDoubleFromTheInitialOneUpToTheMaximum() {
        assertThat(schedule.delay(1, Duration.ZERO, 0)).isEqualTo(Duration.ofSeconds(5));
        assertThat(schedule.delay(2, Duration.ZERO, 0)).isEqualTo(Duration.ofSeconds(10));
        assertThat(schedule.delay(9, Duration.ZERO, 0)).isEqualTo(Duration.ofSeconds(1280));
        assertThat(schedule.delay(11, Duration.ZERO, 0)).isEqualTo(Duration.ofHours(1));
        assertThat(schedule.delay(200, Duration.ZERO, 0)).isEqualTo(Duration.ofHours(1));
        // The defaults' whole span: 5 s + 10 s + … + 1280 s.
        assertThat(schedule.span()).isEqualTo(Duration.ofSeconds(2555));
    }

    @Test
    void jitterAddsAtMostATenthAndRetryAfterIsHonouredUpToTheMaximum() {
        assertThat(schedule.delay(2, Duration.ZERO, 0.999)).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(11));
        assertThat(schedule.delay(1, Duration.ofSeconds(120), 0)).isEqualTo(Duration.ofSeconds(120));
        assertThat(schedule.delay(3, Duration.ofSeconds(1), 0)).isEqualTo(Duration.ofSeconds(20));
        assertThat(schedule.delay(1, Duration.ofDays(3), 0)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void attemptsEndAtTheMaximumAndNonsenseIsRefused() {
        assertThat(schedule.another(9)).isTrue();
        assertThat(schedule.another(10)).isFalse();
        assertThat(new RetrySchedule(1, Duration.ofSeconds(1), Duration.ofSeconds(1)).another(1))
                .isFalse();
        assertThatThrownBy(() -> new RetrySchedule(0, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessageContaining("max-attempts");
        assertThatThrownBy(() -> new RetrySchedule(3, Duration.ofSeconds(10), Duration.ofSeconds(1)))
                .hasMessageContaining("initial-backoff-millis");
    }
}
