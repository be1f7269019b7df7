package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.BOB;
import static dev.nightmare.gateway.NightmareResourceTest.TINY;
import static dev.nightmare.gateway.NightmareResourceTest.submit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Per-key limits (per replica): concurrent unfinished jobs and the submission rate give 429 + Retry-After. */
@QuarkusTest
@TestProfile(SubmissionLimitsTest.Tight.class)
class SubmissionLimitsTest {
    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "nightmare.limits.concurrent-jobs", "2",
                    "nightmare.limits.submission-burst", "4",
                    "nightmare.limits.submissions-per-minute", "1");
        }
    }

    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    @Test
    void concurrentJobLimitFreesUpWhenAJobFinishesAndRateLimitFollows() {
        String first = submit(ALICE, TestImages.png(32, 32), TINY).path("id");
        assertThat(submit(ALICE, TestImages.png(32, 32), TINY).statusCode()).isEqualTo(202);
        ExtractableResponse<Response> third = submit(ALICE, TestImages.png(32, 32), TINY);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.header("Retry-After")).isNotBlank();
        assertThat(third.<String>path("title")).contains("unfinished jobs");
        // Another key is not affected.
        assertThat(submit(BOB, TestImages.png(32, 32), TINY).statusCode()).isEqualTo(202);

        bus.publishEvent(JobEvent.finished(EventType.SUCCEEDED, first, Instant.now(), "w", "a", 2, null, null));
        assertThat(submit(ALICE, TestImages.png(32, 32), TINY).statusCode()).isEqualTo(202);

        // Four submissions used the burst of 4; at one per minute the next waits about a minute.
        ExtractableResponse<Response> limited = submit(ALICE, TestImages.png(32, 32), TINY);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 60L);
        assertThat(limited.<String>path("title")).contains("too many submissions");
    }
}
