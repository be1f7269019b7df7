package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.BOB;
import static dev.nightmare.gateway.NightmareResourceTest.as;
import static dev.nightmare.gateway.NightmareResourceTest.submitted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Listing with a state filter, and what cancel answers before and after a job ends. */
@QuarkusTest
class JobQueriesTest {
    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    private void writeStatus(JobStatus status) {
        store.put(JobKeys.status(status.jobId()), ContractJson.write(status), "application/json");
    }

    private static JobStatus running(String id) {
        return JobStatus.started(id, "w", "a", 1, 2, 1, 0, null, Instant.now());
    }

    private static JobStatus ended(String id, JobState state) {
        return running(id).finished(state, state == JobState.FAILED ? "boom" : null, Instant.now());
    }

    private static List<String> ids(String state) {
        return as(ALICE)
                .queryParam("state", state)
                .get("/v1/nightmares")
                .then()
                .statusCode(200)
                .extract()
                .path("items.id");
    }

    @Test
    void theStateFilterKeepsOnlyJobsInTheGivenStates() {
        String queued = submitted(ALICE);
        String running = submitted(ALICE);
        String succeeded = submitted(ALICE);
        String canceled = submitted(ALICE);
        submitted(BOB);
        writeStatus(running(running));
        writeStatus(ended(succeeded, JobState.SUCCEEDED));
        writeStatus(ended(canceled, JobState.CANCELED));

        assertThat(ids("running")).containsExactly(running);
        assertThat(ids("queued,succeeded")).containsExactly(succeeded, queued);
        assertThat(ids(" canceled ")).containsExactly(canceled);
        assertThat(ids("failed")).isEmpty();
        assertThat(ids("")).containsExactly(canceled, succeeded, running, queued);
        as(ALICE)
                .get("/v1/nightmares?state=done")
                .then()
                .statusCode(400)
                .body("errors[0].field", equalTo("state"))
                .body(
                        "errors[0].message",
                        containsString("expected any of queued, running, succeeded, failed, canceled"));
        as(ALICE).get("/v1/nightmares?state=running,").then().statusCode(400);
    }

    @Test
    void aFilteredListPagesThroughEveryMatchingJob() {
        List<String> matching = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = submitted(ALICE);
            if (i % 2 == 0) {
                writeStatus(ended(id, JobState.FAILED));
                matching.addFirst(id);
            }
        }
        List<String> seen = new ArrayList<>();
        String next = null;
        for (int page = 0; page < 10; page++) {
            var response = as(ALICE)
                    .queryParam("state", "failed")
                    .queryParam("limit", 1)
                    .queryParams(next == null ? java.util.Map.of() : java.util.Map.of("after", next))
                    .get("/v1/nightmares")
                    .then()
                    .statusCode(200)
                    .extract();
            List<String> items = response.path("items.id");
            assertThat(items).hasSizeLessThanOrEqualTo(1);
            seen.addAll(items);
            next = response.path("next");
            if (next == null) {
                break;
            }
        }
        assertThat(seen).containsExactlyElementsOf(matching);
    }

    @Test
    void cancelAnswers202WhenRecordedAnd200WhenTheJobHadEnded() {
        String id = submitted(ALICE);
        as(ALICE)
                .post("/v1/nightmares/" + id + "/cancel")
                .then()
                .statusCode(202)
                .body("cancelRequested", equalTo(true));
        writeStatus(ended(id, JobState.CANCELED));
        as(ALICE)
                .get("/v1/nightmares/" + id)
                .then()
                .body("state", equalTo("canceled"))
                .body("cancelRequested", equalTo(true));
        assertThat(as(ALICE).get("/v1/nightmares").then().extract().<List<Boolean>>path("items.cancelRequested"))
                .containsExactly(true);
        as(ALICE)
                .post("/v1/nightmares/" + id + "/cancel")
                .then()
                .statusCode(200)
                .body("state", equalTo("canceled"))
                .body("cancelRequested", equalTo(true));

        String done = submitted(ALICE);
        writeStatus(ended(done, JobState.SUCCEEDED));
        as(ALICE)
                .post("/v1/nightmares/" + done + "/cancel")
                .then()
                .statusCode(200)
                .body("state", equalTo("succeeded"))
                .body("cancelRequested", equalTo(false));
        assertThat(store.objects()).doesNotContainKey(JobKeys.cancel(done));
    }
}
