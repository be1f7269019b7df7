package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.TINY;
import static dev.nightmare.gateway.NightmareResourceTest.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.gateway.service.EventView;
import dev.nightmare.gateway.service.JobService;
import dev.nightmare.gateway.service.ShareLinks;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rounds carry absolute share links on the configured public base URL that work without the API
 * key, only as signed and only until they expire; downloads carry a file name.
 */
@QuarkusTest
class ShareLinksTest {
    private static final String BASE = "https://dreams.example.com";

    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @Inject
    ShareLinks shares;

    @Inject
    JobService jobs;

    private String id;
    private byte[] round1;

    @BeforeEach
    void aJobWithTwoStoredRounds() {
        store.clear();
        bus.clear();
        id = NightmareResourceTest.submit(ALICE, TestImages.png(64, 48), TINY.replace("}", ",\"format\":\"png\"}"))
                .path("id");
        JobStatus status = JobStatus.started(id, "w", "a", 1, 2, 1, 0, null, Instant.now())
                .afterRound(0, 10, Instant.now())
                .afterRound(1, 10, Instant.now());
        store.put(JobKeys.status(id), ContractJson.write(status), "application/json");
        round1 = TestImages.png(8, 6);
        store.put(JobKeys.roundImage(id, 0, "png"), TestImages.png(8, 6), "image/png");
        store.put(JobKeys.roundImage(id, 1, "png"), round1, "image/png");
    }

    private static ExtractableResponse<Response> open(String absolute) {
        URI uri = URI.create(absolute);
        return given().urlEncodingEnabled(false)
                .get(uri.getRawPath() + "?" + uri.getRawQuery())
                .then()
                .extract();
    }

    @Test
    void eachRoundHasAnAbsoluteLinkThatWorksWithoutTheKeyUntilItExpires() {
        ExtractableResponse<Response> job =
                as(ALICE).get("/v1/nightmares/" + id).then().extract();
        List<String> links = job.path("rounds.shareUrl");
        assertThat(links).hasSize(2);
        assertThat(links.get(1)).startsWith(BASE + "/shared/" + id + "/rounds/1?expires=");
        Instant expires = Instant.parse(job.path("rounds[1].shareExpiresAt"));
        assertThat(expires)
                .isBetween(
                        Instant.now().plus(Duration.ofHours(24)), Instant.now().plus(Duration.ofHours(25)));
        assertThat(links.get(1))
                .as("issued on the hour: a second read gives the same link")
                .isEqualTo(
                        as(ALICE).get("/v1/nightmares/" + id).then().extract().path("rounds[1].shareUrl"));

        ExtractableResponse<Response> image = open(links.get(1));
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.contentType()).isEqualTo("image/png");
        assertThat(image.asByteArray()).isEqualTo(round1);
        assertThat(image.header("Content-Disposition"))
                .isEqualTo("inline; filename=\"nightmare-" + id + "-round-1.png\"");
        assertThat(as(ALICE)
                        .get("/v1/nightmares/" + id + "/rounds/1")
                        .then()
                        .extract()
                        .header("Content-Disposition"))
                .isEqualTo("inline; filename=\"nightmare-" + id + "-round-1.png\"");
    }

    @Test
    void aTamperedOrExpiredLinkIsRefusedInTheErrorFormat() {
        String link = as(ALICE).get("/v1/nightmares/" + id).then().extract().path("rounds[1].shareUrl");
        String sig = link.replaceAll(".*sig=", "");
        String flipped = (sig.charAt(0) == 'A' ? "B" : "A") + sig.substring(1);
        for (String forged : List.of(
                link.replace("sig=" + sig, "sig=" + flipped),
                link.replace("/rounds/1?", "/rounds/0?"),
                link.replaceAll("expires=[0-9]+", "expires=9999999999"),
                link.replaceAll("&sig=.*", ""),
                link.replaceAll("expires=[0-9]+", "expires=soon"))) {
            ExtractableResponse<Response> refused = open(forged);
            assertThat(refused.statusCode()).as(forged).isEqualTo(403);
            assertThat(refused.<Integer>path("status")).isEqualTo(403);
            assertThat(refused.<String>path("title")).contains("share link");
        }
        long past = Instant.now().minusSeconds(1).getEpochSecond();
        assertThat(shares.valid(id, 1, past, sig)).as("an expired link").isFalse();
    }

    @Test
    void roundEventsForStreamsAndWebhooksCarryTheLinkToo() {
        JobEvent round = JobEvent.round(
                id, Instant.now(), "w", "a", 1, 2, 1, JobKeys.roundImage(id, 1, "png"), JobKeys.roundCheckpoint(id, 1));
        EventView view = jobs.eventView(round);
        assertThat(view.imageUrl()).isEqualTo("/v1/nightmares/" + id + "/rounds/1");
        assertThat(view.shareUrl()).startsWith(BASE + "/shared/" + id + "/rounds/1?expires=");
        assertThat(open(view.shareUrl()).statusCode()).isEqualTo(200);
        assertThat(jobs.eventView(JobEvent.queued(id, Instant.now(), 2, 1)).shareUrl())
                .isNull();
    }

    @Test
    void aLinkToADeletedJobIs404() {
        String link = as(ALICE).get("/v1/nightmares/" + id).then().extract().path("rounds[0].shareUrl");
        as(ALICE).delete("/v1/nightmares/" + id).then().statusCode(204);
        assertThat(open(link).statusCode()).isEqualTo(404);
    }
}
