package dev.nightmare.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.nightmare.contracts.AnimateOptions;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.gateway.service.EventHub;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.TestImages;
import dev.nightmare.platform.testing.Await;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code options.animate} through the API: submission, errors, the video download and its link in the events. */
@QuarkusTest
class VideoApiTest {
    static final String ALICE = "Bearer alice-key-0123456789";
    static final String BOB = "Bearer bob-key-0123456789ab";
    static final String TINY = "\"model\":\"tiny\",\"layer\":5,\"rounds\":3,\"iters\":1,\"octaves\":1";

    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @Inject
    EventHub hub;

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    static RequestSpecification as(String key) {
        return given().header("Authorization", key);
    }

    static ExtractableResponse<Response> submit(String key, String options) {
        return as(key).multiPart("image", "in.png", TestImages.png(64, 48), "image/png")
                .multiPart("options", options)
                .when()
                .post("/v1/nightmares")
                .then()
                .extract();
    }

    private String animated(String key) {
        ExtractableResponse<Response> r = submit(key, "{" + TINY + ",\"animate\":{\"format\":\"mp4\"}}");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(202);
        return r.path("id");
    }

    @Test
    void submitWithAnimateStoresAVersionTwoRequestWithTheVideoResolved() {
        ExtractableResponse<Response> r =
                submit(ALICE, "{" + TINY + ",\"animate\":{\"format\":\"MP4\",\"interpolate\":2}}");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(202);
        String id = r.path("id");
        assertThat(r.<String>path("links.video")).isEqualTo("/v1/nightmares/" + id + "/video");
        assertThat(r.<String>path("options.animate.format")).isEqualTo("mp4");
        assertThat(r.<Integer>path("options.animate.fps")).isEqualTo(24);
        JobRequest request = bus.requests().getFirst();
        assertThat(request.schemaVersion()).isEqualTo(2);
        assertThat(request.options().animate()).isEqualTo(new AnimateOptions("mp4", 24, 2));
        assertThat(ContractJson.readRequest(
                        store.objects().get(JobKeys.request(id)).bytes()))
                .isEqualTo(request);
    }

    @Test
    void submitWithoutAnimateStaysVersionOneWithoutAVideoLink() {
        ExtractableResponse<Response> r = submit(ALICE, "{" + TINY + "}");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.<String>path("links.video")).isNull();
        assertThat(bus.requests().getFirst().schemaVersion()).isEqualTo(1);
        assertThat(new String(store.objects().get(JobKeys.request(r.path("id"))).bytes()))
                .startsWith("{\"schemaVersion\":1,")
                .doesNotContain("animate");
    }

    @Test
    void wrongAnimateOptionsAreRefusedWithTheirDottedField() {
        String[][] cases = {
            {"\"animate\":\"mp4\"", "400", "animate"},
            {"\"animate\":{\"format\":\"mp4\",\"fps\":\"24\"}", "400", "animate.fps"},
            {"\"animate\":{\"format\":\"mp4\",\"fps\":2.5}", "400", "animate.fps"},
            {"\"animate\":{\"format\":\"mp4\",\"speed\":2}", "400", "animate.speed"},
            {"\"animate\":{}", "422", "animate.format"},
            {"\"animate\":{\"format\":\"webp\"}", "422", "animate.format"},
            {"\"animate\":{\"format\":\"gif\",\"fps\":60}", "422", "animate.fps"},
            {"\"animate\":{\"format\":\"mp4\",\"interpolate\":61}", "422", "animate.interpolate"},
        };
        for (String[] c : cases) {
            ExtractableResponse<Response> r = submit(ALICE, "{" + TINY + "," + c[0] + "}");
            assertThat(r.statusCode()).as(c[0] + ": " + r.asString()).isEqualTo(Integer.parseInt(c[1]));
            assertThat(r.<List<String>>path("errors.field")).as(c[0]).contains(c[2]);
            assertThat(r.<List<String>>path("errors.message").toString())
                    .as(c[0])
                    .containsPattern("expected|use|plays|required");
        }
        ExtractableResponse<Response> long_ = submit(
                ALICE,
                "{\"model\":\"tiny\",\"layer\":5,\"rounds\":1000,\"iters\":1,\"octaves\":1,"
                        + "\"animate\":{\"format\":\"mp4\",\"interpolate\":30}}");
        assertThat(long_.statusCode()).isEqualTo(422);
        assertThat(long_.<List<String>>path("errors.message").toString()).contains("at most 20000");
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void theStoredVideoIsServedWithItsTypeAndName() {
        String id = animated(ALICE);
        byte[] mp4 = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
        store.put(JobKeys.video(id, "mp4"), mp4, "application/octet-stream");
        succeeded(id);
        ExtractableResponse<Response> r =
                as(ALICE).get("/v1/nightmares/" + id + "/video").then().extract();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("video/mp4");
        assertThat(r.header("Content-Disposition")).isEqualTo("attachment; filename=\"nightmare-" + id + ".mp4\"");
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(mp4.length));
        assertThat(r.asByteArray()).isEqualTo(mp4);
        as(ALICE)
                .queryParam("presigned", "true")
                .get("/v1/nightmares/" + id + "/video")
                .then()
                .statusCode(200)
                .body("url", containsString("video.mp4"))
                .body("expiresInSeconds", equalTo(300));
        as(ALICE).get("/v1/nightmares/" + id).then().body("links.video", equalTo("/v1/nightmares/" + id + "/video"));
    }

    @Test
    void aGifIsServedAsAGif() {
        ExtractableResponse<Response> submitted =
                submit(ALICE, "{" + TINY + ",\"animate\":{\"format\":\"gif\",\"fps\":10}}");
        assertThat(submitted.statusCode()).as(submitted.asString()).isEqualTo(202);
        String id = submitted.path("id");
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a'};
        store.put(JobKeys.video(id, "gif"), gif, "application/octet-stream");
        succeeded(id);
        ExtractableResponse<Response> r =
                as(ALICE).get("/v1/nightmares/" + id + "/video").then().extract();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("image/gif");
        assertThat(r.header("Content-Disposition")).isEqualTo("attachment; filename=\"nightmare-" + id + ".gif\"");
        assertThat(r.asByteArray()).isEqualTo(gif);
    }

    @Test
    void aMissingVideoIsAJsonErrorEvenToAClientThatAsksForVideo() {
        String id = animated(ALICE);
        ExtractableResponse<Response> r = as(ALICE)
                .header("Accept", "video/mp4")
                .get("/v1/nightmares/" + id + "/video")
                .then()
                .extract();
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.<Integer>path("status")).isEqualTo(404);
        assertThat(r.<String>path("title")).contains("not made yet").contains("queued");
        as(ALICE)
                .queryParam("presigned", "true")
                .get("/v1/nightmares/" + id + "/video")
                .then()
                .statusCode(404)
                .body("title", containsString("not made yet"));
    }

    @Test
    void aVideoThatIsNotThereSaysWhy() {
        String id = animated(ALICE);
        as(ALICE)
                .get("/v1/nightmares/" + id + "/video")
                .then()
                .statusCode(404)
                .body("title", containsString("not made yet"));
        store.put(
                JobKeys.status(id),
                ContractJson.write(JobStatus.started(id, "w", "a", 1, 3, 1, 0, null, Instant.now())
                        .finished(JobState.CANCELED, null, Instant.now())),
                "application/json");
        as(ALICE)
                .get("/v1/nightmares/" + id + "/video")
                .then()
                .statusCode(404)
                .body("title", containsString("canceled"));
        String plain = submit(ALICE, "{" + TINY + "}").path("id");
        as(ALICE)
                .get("/v1/nightmares/" + plain + "/video")
                .then()
                .statusCode(404)
                .body("title", containsString("makes no video"));
        as(BOB).get("/v1/nightmares/" + id + "/video").then().statusCode(404);
        given().get("/v1/nightmares/" + id + "/video").then().statusCode(401);
    }

    @Test
    void theSucceededEventCarriesTheVideosUrl() throws Exception {
        String id = animated(ALICE);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "v1/nightmares/" + id + "/events"))
                .header("Authorization", ALICE)
                .header("Accept", "text/event-stream")
                .build();
        HttpResponse<java.util.stream.Stream<String>> open = HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .get(10, TimeUnit.SECONDS);
        assertThat(open.statusCode()).isEqualTo(200);
        CompletableFuture<List<String>> lines =
                CompletableFuture.supplyAsync(() -> open.body().toList());
        Await.until("an SSE subscription for " + id, Duration.ofSeconds(10), () -> hub.subscribedJobs() > 0);
        Instant now = Instant.now();
        bus.publishEvent(JobEvent.round(
                id, now, "w", "a", 2, 3, 1, JobKeys.roundImage(id, 2, "jpg"), JobKeys.roundCheckpoint(id, 2)));
        bus.publishEvent(JobEvent.finished(EventType.SUCCEEDED, id, now, "w", "a", 3, null, null)
                .withVideo(JobKeys.video(id, "mp4")));
        String all = String.join("\n", lines.get(10, TimeUnit.SECONDS));
        assertThat(all)
                .contains("event:succeeded")
                .contains("\"videoUrl\":\"/v1/nightmares/" + id + "/video\"")
                .doesNotContain("videoKey")
                .doesNotContain("jobs/");
    }

    @Test
    void theOpenApiDocumentListsTheVideoAndTheAnimateOption() {
        given().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .body(
                        "paths.'/v1/nightmares/{id}/video'.get.responses.'200'.content",
                        org.hamcrest.Matchers.hasKey("video/mp4"))
                .body("components.schemas.JobOptions.properties.animate", org.hamcrest.Matchers.notNullValue());
    }

    private void succeeded(String id) {
        JobStatus done = JobStatus.started(id, "w", "a", 1, 3, 1, 0, null, Instant.now())
                .afterRound(0, 1, Instant.now())
                .afterRound(1, 1, Instant.now())
                .afterRound(2, 1, Instant.now())
                .finished(JobState.SUCCEEDED, null, Instant.now());
        store.put(JobKeys.status(id), ContractJson.write(done), "application/json");
    }
}
