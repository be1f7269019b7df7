package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.TINY;
import static dev.nightmare.gateway.NightmareResourceTest.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A chat-bot's shortest path: a request with only an image (the default model and its first
 * recommended layer), {@code Prefer: wait} holding the answer until the job ends, and the image as
 * a {@code data:} URL.
 */
@QuarkusTest
class WaitAndDefaultsTest {
    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    private static ExtractableResponse<Response> submit(String prefer, String options) {
        var request = as(ALICE).multiPart("image", "in.png", TestImages.png(64, 48), "image/png");
        if (options != null) {
            request = request.multiPart("options", options);
        }
        if (prefer != null) {
            request = request.header("Prefer", prefer);
        }
        return request.when().post("/v1/nightmares").then().extract();
    }

    /** What a worker does at the end: the durable status, then the final event. */
    private void finish(String id) {
        JobStatus running = JobStatus.started(id, "w", "a", 1, 2, 1, 0, null, Instant.now());
        store.put(
                JobKeys.status(id),
                ContractJson.write(running.finished(JobState.SUCCEEDED, null, Instant.now())),
                "application/json");
        bus.publishEvent(JobEvent.finished(EventType.SUCCEEDED, id, Instant.now(), "w", "a", 0, null, null));
    }

    @Test
    void aRequestWithOnlyAnImageRunsOnTheDefaultModelAndItsFirstRecommendedLayer() {
        ExtractableResponse<Response> r = submit(null, null);
        assertThat(r.statusCode()).as(r.body().asString()).isEqualTo(202);
        assertThat(bus.requests()).hasSize(1);
        assertThat(bus.requests().getFirst().options().model()).isEqualTo("tiny");
        assertThat(bus.requests().getFirst().options().layer())
                .as("tiny recommends 10 first")
                .isEqualTo(10);

        ExtractableResponse<Response> layerOnly = submit(null, "{\"layer\":4,\"iters\":1}");
        assertThat(layerOnly.statusCode()).isEqualTo(202);
        assertThat(bus.requests().getLast().options().layer()).isEqualTo(4);
    }

    @Test
    void preferWaitAnswersWithTheFinalStateOnceTheJobEnds() throws Exception {
        CompletableFuture<Void> worker = CompletableFuture.runAsync(() -> {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            try {
                while (bus.requests().isEmpty() && System.nanoTime() < until) {
                    Thread.sleep(10);
                }
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finish(bus.requests().getFirst().jobId());
        });
        long start = System.nanoTime();
        ExtractableResponse<Response> r = submit("wait=2", TINY);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        worker.get(10, TimeUnit.SECONDS);

        assertThat(r.statusCode()).as(r.body().asString()).isEqualTo(200);
        assertThat(r.<String>path("state")).isEqualTo("succeeded");
        assertThat(r.header("Preference-Applied")).isEqualTo("wait=2");
        assertThat(r.header("Location")).endsWith("/v1/nightmares/" + r.path("id"));
        assertThat(tookMillis)
                .as("woken by the final event, not by the end of the wait")
                .isLessThan(1_900);
    }

    @Test
    void aWaitThatRunsOutAnswers202WithTheJobAsItIs() {
        long start = System.nanoTime();
        ExtractableResponse<Response> r = submit("respond-async, wait=1", TINY);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(1000);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.<String>path("state")).isEqualTo("queued");
        assertThat(r.header("Preference-Applied")).isEqualTo("wait=1");
    }

    @Test
    void aWaitLongerThanTheOperatorAllowsIsCutToItsMaximum() {
        // nothing finishes the job: the answer comes when the granted wait (test max 2 s) runs out
        ExtractableResponse<Response> r = submit("wait=3600", TINY);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.header("Preference-Applied")).isEqualTo("wait=2");
    }

    @Test
    void aMalformedWaitIsAnErrorThatSaysWhatWouldBeRight() {
        ExtractableResponse<Response> r = submit("wait=soon", TINY);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.<String>path("errors[0].field")).isEqualTo("Prefer");
        assertThat(r.<String>path("errors[0].message")).contains("Prefer: wait=N");
        assertThat(bus.requests()).as("nothing was queued").isEmpty();
    }

    @Test
    void theImageMayBeADataUrlAndOtherUrlsAreNamedAsSuch() {
        String base64 = Base64.getEncoder().encodeToString(TestImages.png(32, 24));
        as(ALICE)
                .contentType("application/json")
                .body("{\"image\":\"data:image/png;base64," + base64 + "\",\"options\":" + TINY + "}")
                .post("/v1/nightmares")
                .then()
                .statusCode(202);
        as(ALICE)
                .contentType("application/json")
                .body("{\"image\":\"data:image/png," + base64 + "\"}")
                .post("/v1/nightmares")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("image"))
                .body("errors[0].message", containsString(";base64"));
        as(ALICE)
                .contentType("application/json")
                .body("{\"image\":\"ftp://example.com/dog.jpg\"}")
                .post("/v1/nightmares")
                .then()
                .statusCode(400)
                .body("errors[0].message", containsString("scheme this gateway does not fetch"));
    }
}
