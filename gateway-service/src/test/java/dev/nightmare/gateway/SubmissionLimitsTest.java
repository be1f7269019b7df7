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
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-key limits (per replica): concurrent unfinished jobs and the submission rate give 429 +
 * Retry-After. The profile also shortens the SSE keep-alive, tested here to share the restart.
 */
@QuarkusTest
@TestProfile(SubmissionLimitsTest.Tight.class)
class SubmissionLimitsTest {
    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "nightmare.limits.concurrent-jobs", "2",
                    "nightmare.limits.submission-burst", "4",
                    "nightmare.limits.submissions-per-minute", "1",
                    "nightmare.events.keep-alive-seconds", "1");
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

    @TestHTTPResource("/")
    URL base;

    @Test
    void idleSseStreamGetsKeepAliveComments() throws Exception {
        String id = submit(BOB, TestImages.png(32, 32), TINY).path("id");
        HttpResponse<java.io.InputStream> open = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "v1/nightmares/" + id + "/events"))
                                .header("Authorization", BOB)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(open.body(), StandardCharsets.UTF_8))) {
            List<String> seen = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < until && seen.stream().noneMatch(l -> l.startsWith(":"))) {
                String line = lines.readLine();
                if (line == null) {
                    break;
                }
                seen.add(line);
            }
            assertThat(seen).anyMatch(l -> l.startsWith("event:state"));
            assertThat(seen).anyMatch(l -> l.startsWith(":") && l.contains("keep-alive"));
        }
        bus.publishEvent(JobEvent.finished(EventType.CANCELED, id, Instant.now(), "w", "a", 0, null, null));
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
