package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.gateway.service.JobService;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A status read shows the iteration within the round (from progress events) and an ETA. */
@QuarkusTest
class LiveProgressTest {
    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @Inject
    JobService jobs;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    private ExtractableResponse<Response> read(String id) {
        return as(ALICE).get("/v1/nightmares/" + id).then().statusCode(200).extract();
    }

    @Test
    void theIterationWithinTheFirstRoundAndTheTimeLeftShow() {
        String id = NightmareResourceTest.submit(
                        ALICE,
                        TestImages.png(64, 48),
                        "{\"model\":\"tiny\",\"layer\":5,\"rounds\":2,\"iters\":10,\"octaves\":1}")
                .path("id");
        // Started 10 s ago, 2 rounds of 10 iterations, none stored yet.
        Instant started = Instant.now().minusSeconds(10);
        store.put(
                JobKeys.status(id),
                ContractJson.write(JobStatus.started(id, "w", "a", 1, 2, 10, 0, null, started)),
                "application/json");
        ExtractableResponse<Response> before = read(id);
        assertThat(before.<Integer>path("progress.roundsDone")).isZero();
        assertThat(before.<Object>path("progress.etaSeconds"))
                .as("nothing done yet: no estimate")
                .isNull();

        bus.publishEvent(JobEvent.progress(id, Instant.now(), "w", "a", 0, 4, 2, 10));
        ExtractableResponse<Response> during = read(id);
        assertThat(during.<Integer>path("progress.round")).isEqualTo(0);
        assertThat(during.<Integer>path("progress.iteration")).isEqualTo(4);
        // 5 of 20 iterations in 10 s: 15 more take about 30 s.
        assertThat(during.<Integer>path("progress.etaSeconds")).isBetween(29, 33);
    }

    @Test
    void progressEventsOnTheStreamCarryTheTimeLeft() {
        Instant start = Instant.now().minusSeconds(20);
        bus.publishEvent(JobEvent.started("0123456789abcdef0123456789abcdef", start, "w", "a", 2, 10, null));
        JobEvent progress =
                JobEvent.progress("0123456789abcdef0123456789abcdef", start.plusSeconds(10), "w", "a", 0, 4, 2, 10);
        // 5 of 20 iterations 10 s after the start: 15 more take about 30 s.
        assertThat(jobs.eventView(progress).etaSeconds()).isEqualTo(30L);
        assertThat(jobs.eventView(JobEvent.progress(
                                "fedcba9876543210fedcba9876543210", Instant.now(), "w", "a", 0, 1, 2, 10))
                        .etaSeconds())
                .as("no start seen: no estimate")
                .isNull();
    }
}
