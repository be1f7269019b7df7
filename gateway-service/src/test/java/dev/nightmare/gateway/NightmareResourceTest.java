package dev.nightmare.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.RunDetails;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API's rules with in-memory S3 and Kafka stand-ins and the shared cfgs as the model-store. */
@QuarkusTest
class NightmareResourceTest {
    static final String ALICE = "Bearer alice-key-0123456789";
    static final String BOB = "Bearer bob-key-0123456789ab";
    static final String TINY = "{\"model\":\"tiny\",\"layer\":5,\"rounds\":2,\"iters\":1,\"octaves\":1}";

    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

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

    static ExtractableResponse<Response> submit(String key, byte[] image, String options) {
        return as(key).multiPart("image", "in.png", image, "image/png")
                .multiPart("options", options)
                .when()
                .post("/v1/nightmares")
                .then()
                .extract();
    }

    static String submitted(String key) {
        return submit(key, TestImages.png(64, 48), TINY).path("id");
    }

    @Test
    void submitStoresInputAndRequestThenPublishes() {
        ExtractableResponse<Response> r = submit(ALICE, TestImages.png(64, 48), TINY);
        assertThat(r.statusCode()).isEqualTo(202);
        String id = r.path("id");
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(r.header("Location")).endsWith("/v1/nightmares/" + id);
        assertThat(r.<String>path("state")).isEqualTo("queued");
        assertThat(r.<String>path("links.events")).isEqualTo("/v1/nightmares/" + id + "/events");

        assertThat(bus.requests()).hasSize(1);
        JobRequest request = bus.requests().getFirst();
        assertThat(request.jobId()).isEqualTo(id);
        assertThat(request.options().isResolved()).isTrue();
        assertThat(request.options().iters()).isEqualTo(1);
        assertThat(request.options().rate()).isEqualTo(0.04f);
        assertThat(request.modelSha256()).hasSize(64);
        assertThat(request.inputWidth()).isEqualTo(64);
        assertThat(request.inputHeight()).isEqualTo(48);

        assertThat(store.objects()).containsKeys(JobKeys.input(id), JobKeys.request(id));
        assertThat(ContractJson.readRequest(
                        store.objects().get(JobKeys.request(id)).bytes()))
                .isEqualTo(request);
        Image input = ImageCodec.decode(store.objects().get(JobKeys.input(id)).bytes(), "input", 1 << 20);
        assertThat(input.width()).isEqualTo(64);
        // The queued event is published after the answer, off the request thread.
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (bus.events().isEmpty() && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(bus.events()).extracting(JobEvent::type).containsExactly(EventType.QUEUED);
    }

    @Test
    void jsonSubmissionWithBase64ImageIsAccepted() {
        String body = "{\"image\":\"" + Base64.getEncoder().encodeToString(TestImages.jpg(40, 40)) + "\",\"options\":"
                + TINY + "}";
        as(ALICE)
                .contentType("application/json")
                .body(body)
                .post("/v1/nightmares")
                .then()
                .statusCode(202)
                .body("id", matchesPattern("[0-9a-f]{32}"))
                .body("input.width", equalTo(40));
        assertThat(bus.requests()).hasSize(1);
    }

    @Test
    void jsonSubmissionOfAnImageOverSixtyFourKilobytesIsAccepted() {
        // Noise does not compress: ~300 KB of PNG, ~400 KB of base64 (message-size limits do not apply here).
        byte[] image = ImageCodec.encode(TestImages.noise(320, 320, 4), ImageCodec.Format.PNG);
        assertThat(image.length).isGreaterThan(200_000);
        String body = "{\"image\":\"" + Base64.getEncoder().encodeToString(image) + "\",\"options\":" + TINY + "}";
        as(ALICE)
                .contentType("application/json")
                .body(body)
                .post("/v1/nightmares")
                .then()
                .statusCode(202)
                .body("input.width", equalTo(320));
    }

    @Test
    void brokenMultipartBodyIs400WithoutInternals() {
        String body = as(ALICE)
                .contentType("multipart/form-data; boundary=nothing")
                .body("--other\r\n\r\ngarbage".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .post("/v1/nightmares")
                .then()
                .statusCode(400)
                .header("X-Content-Type-Options", "nosniff")
                .extract()
                .asString();
        assertThat(body).doesNotContain("Exception").doesNotContain("dev.nightmare");
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void jsonSubmissionWithDuplicateKeysIs400() {
        String image = Base64.getEncoder().encodeToString(TestImages.png(32, 32));
        as(ALICE)
                .contentType("application/json")
                .body("{\"image\":\"" + image + "\",\"options\":" + TINY + ",\"options\":{}}")
                .post("/v1/nightmares")
                .then()
                .statusCode(400);
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void largeInputIsDownscaledToMaxSide() {
        String options = "{\"model\":\"tiny\",\"layer\":5,\"octaves\":1,\"maxSide\":100}";
        String id = submit(ALICE, TestImages.png(300, 150), options).path("id");
        JobRequest request = bus.requests().getFirst();
        assertThat(request.inputWidth()).isEqualTo(100);
        assertThat(request.inputHeight()).isEqualTo(50);
        Image stored = ImageCodec.decode(store.objects().get(JobKeys.input(id)).bytes(), "input", 1 << 20);
        assertThat(stored.width()).isEqualTo(100);
    }

    @Test
    void missingOrWrongKeyIs401() {
        given().get("/v1/nightmares").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
        as("Bearer not-a-key-at-all-000").get("/v1/nightmares").then().statusCode(401);
        as("Basic YWxpY2U6eA==").get("/v1/nightmares").then().statusCode(401);
    }

    @Test
    void anotherKeysJobIsInvisible() {
        String id = submitted(ALICE);
        as(BOB).get("/v1/nightmares/" + id).then().statusCode(404);
        as(BOB).get("/v1/nightmares/" + id + "/events").then().statusCode(404);
        as(BOB).get("/v1/nightmares/" + id + "/rounds/0").then().statusCode(404);
        as(BOB).post("/v1/nightmares/" + id + "/cancel").then().statusCode(404);
        as(BOB).delete("/v1/nightmares/" + id).then().statusCode(404);
        as(BOB).get("/v1/nightmares").then().statusCode(200).body("items.size()", equalTo(0));
        assertThat(store.objects()).doesNotContainKey(JobKeys.cancel(id)).containsKey(JobKeys.input(id));
        as(ALICE).get("/v1/nightmares/" + id).then().statusCode(200);
    }

    @Test
    void malformedOptionsAre400WithOneErrorPerField() {
        String bad = "{\"model\":3,\"layer\":\"five\",\"rounds\":1.5,\"norm\":1,\"rate\":1e60,\"colour\":\"red\"}";
        submit(ALICE, TestImages.png(32, 32), bad)
                .response()
                .then()
                .statusCode(400)
                .body("errors.field", hasItems("model", "layer", "rounds", "norm", "rate", "colour"))
                .body("errors.size()", equalTo(6));
        submit(ALICE, TestImages.png(32, 32), "{not json").response().then().statusCode(400);
        assertThat(bus.requests()).isEmpty();
        assertThat(store.objects()).isEmpty();
    }

    @Test
    void valuesThatCannotRunAre422WithOneErrorPerField() {
        String bad = "{\"model\":\"tiny\",\"layer\":5,\"rounds\":0,\"iters\":1000000,\"rng\":\"mt\",\"format\":\"gif\","
                + "\"maxSide\":0,\"zoom\":0}";
        submit(ALICE, TestImages.png(32, 32), bad)
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItems("rng", "format", "maxSide"));
        // The engine's own bounds, once the contract-level fields are right.
        submit(
                        ALICE,
                        TestImages.png(32, 32),
                        "{\"model\":\"tiny\",\"layer\":5,\"rounds\":0,\"iters\":1000000,\"zoom\":0}")
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItems("rounds", "iters", "zoom"))
                .body("errors.size()", equalTo(3));
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void theExactBatchNormGradientIsAcceptedAndTravelsAtSchemaVersionThree() {
        // (What it changes in admission, the tiles it lets a tiny poster run in, is the worker's
        // TiledJobTest and dream-engine's AdmissionRuleTest: this profile's pixel limit is 1 MP.)
        ExtractableResponse<Response> exact =
                submit(ALICE, TestImages.png(64, 48), TINY.replace("}", ",\"bnGradient\":\"exact\"}"));
        assertThat(exact.statusCode()).isEqualTo(202);
        JobRequest request = bus.requests().getLast();
        assertThat(request.options().bnGradient()).isEqualTo("exact");
        assertThat(request.schemaVersion()).isEqualTo(3);

        // Naming darknet's is the same as leaving it out: nothing newer than version 1 is needed.
        assertThat(submit(ALICE, TestImages.png(64, 48), TINY.replace("}", ",\"bnGradient\":\"DARKNET\"}"))
                        .statusCode())
                .isEqualTo(202);
        assertThat(bus.requests().getLast().options().bnGradient()).isNull();
        assertThat(bus.requests().getLast().schemaVersion()).isEqualTo(1);

        submit(ALICE, TestImages.png(32, 32), TINY.replace("}", ",\"bnGradient\":\"approximate\"}"))
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItems("bnGradient"))
                .body("errors[0].message", containsString("expected darknet (the default) or exact"));
    }

    @Test
    void unknownModelIs422OnModel() {
        submit(ALICE, TestImages.png(32, 32), "{\"model\":\"resnet-9000\",\"layer\":1}")
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("model"))
                .body("errors[0].message", containsString("unknown"));
        // an absent model is the operator's default (WaitAndDefaultsTest); a blank one is no model
        submit(ALICE, TestImages.png(32, 32), "{\"model\":\" \",\"layer\":1}")
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("model"));
    }

    @Test
    void layerOutOfRangeIs422OnLayerAndRangeOnRange() {
        submit(ALICE, TestImages.png(64, 64), "{\"model\":\"tiny\",\"layer\":999,\"octaves\":1}")
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("layer"));
        submit(ALICE, TestImages.png(64, 64), "{\"model\":\"tiny\",\"layer\":0,\"range\":3,\"octaves\":1}")
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("range"));
    }

    @Test
    void octaveThatShrinksTheImageToNothingIs422OnOctaves() {
        submit(ALICE, TestImages.png(2, 2), "{\"model\":\"tiny\",\"layer\":5,\"octaves\":4}")
                .response()
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("octaves"));
    }

    @Test
    void emptyCorruptAndNonImageUploadsAreRefusedWithAReason() {
        submit(ALICE, new byte[0], TINY).response().then().statusCode(422).body("errors.field", hasItem("image"));
        submit(ALICE, "hello, not an image".getBytes(), TINY)
                .response()
                .then()
                .statusCode(415)
                .body("errors[0].message", containsString("not a recognised image"));
        submit(ALICE, TestImages.truncatedPng(), TINY)
                .response()
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("image"));
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void headerClaimingTooManyPixelsIsRefusedBeforeDecoding() {
        submit(ALICE, TestImages.pngClaiming(50_000, 50_000), TINY)
                .response()
                .then()
                .statusCode(422)
                .body("errors[0].message", containsString("50000×50000"));
    }

    @Test
    void uploadOverTheByteLimitIs413() {
        submit(ALICE, new byte[2_000_001], TINY).response().then().statusCode(413);
    }

    @Test
    void callbackToAHostOffTheAllowListIs422() {
        as(ALICE)
                .multiPart("image", "in.png", TestImages.png(32, 32), "image/png")
                .multiPart("options", TINY)
                .multiPart("callbackUrl", "http://169.254.169.254/latest/meta-data")
                .post("/v1/nightmares")
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("callbackUrl"));
        as(ALICE)
                .multiPart("image", "in.png", TestImages.png(32, 32), "image/png")
                .multiPart("options", TINY)
                .multiPart("callbackUrl", "https://hooks.example.com/nightmare")
                .post("/v1/nightmares")
                .then()
                .statusCode(202);
        assertThat(bus.requests().getFirst().callbackUrl()).isEqualTo("https://hooks.example.com/nightmare");
    }

    @Test
    void sameIdempotencyKeyGivesTheSameJob() {
        byte[] image = TestImages.png(32, 32);
        String first = as(ALICE)
                .header("Idempotency-Key", "order-1")
                .multiPart("image", "in.png", image, "image/png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        ExtractableResponse<Response> again = as(ALICE)
                .header("Idempotency-Key", "order-1")
                .multiPart("image", "in.png", image, "image/png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .statusCode(202)
                .extract();
        assertThat(again.<String>path("id")).isEqualTo(first);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(store.objects().keySet().stream().filter(k -> k.startsWith("owners/")))
                .hasSize(1);
        // Still queued: published again (harmless, workers de-duplicate by id).
        assertThat(bus.requests()).extracting(JobRequest::jobId).containsOnly(first);

        String bobs = as(BOB).header("Idempotency-Key", "order-1")
                .multiPart("image", "in.png", image, "image/png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        assertThat(bobs).isNotEqualTo(first);
    }

    @Test
    void reusedIdempotencyKeyWithOtherOptionsIs409() {
        as(ALICE)
                .header("Idempotency-Key", "k2")
                .multiPart("image", "in.png", TestImages.png(32, 32), "image/png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .statusCode(202);
        as(ALICE)
                .header("Idempotency-Key", "k2")
                .multiPart("image", "in.png", TestImages.png(32, 32), "image/png")
                .multiPart("options", TINY.replace("\"rounds\":2", "\"rounds\":3"))
                .post("/v1/nightmares")
                .then()
                .statusCode(409);
    }

    @Test
    void sameIdempotencyKeyWithAnotherImageIs409AndTheFirstImageStillReplays() {
        byte[] first = TestImages.png(32, 32);
        byte[] other = TestImages.png(40, 30);
        String id = as(ALICE)
                .header("Idempotency-Key", "k-image")
                .multiPart("image", "in.png", first, "image/png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        ExtractableResponse<Response> conflict = as(ALICE)
                .header("Idempotency-Key", "k-image")
                .multiPart("image", "in.png", other, "image/png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .extract();

        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.<String>path("errors[0].field")).isEqualTo("Idempotency-Key");
        assertThat(conflict.<String>path("title"))
                .contains("with a different image")
                .contains("use a new key");
        as(ALICE)
                .header("Idempotency-Key", "k-image")
                .multiPart("image", "in.png", first, "image/png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .statusCode(202)
                .header("Idempotent-Replayed", "true")
                .body("id", equalTo(id));
    }

    @Test
    void aSubmissionThatFailsPartWayLeavesNoJobBehind() {
        for (String failing : List.of("/input.png", "/request.json", "owners/")) {
            store.clear();
            bus.clear();
            store.failWrites(key -> key.contains(failing));

            ExtractableResponse<Response> r = submit(ALICE, TestImages.png(32, 32), TINY);

            assertThat(r.statusCode()).as("write of " + failing + " failed").isEqualTo(503);
            assertThat(store.objects().keySet())
                    .as("after the write of " + failing + " failed")
                    .noneMatch(k -> k.endsWith("/request.json") || k.startsWith("owners/"));
            assertThat(bus.requests()).isEmpty();
            store.failWrites(key -> false);
            assertThat(as(ALICE)
                            .get("/v1/nightmares")
                            .then()
                            .statusCode(200)
                            .extract()
                            .<List<?>>path("items"))
                    .isEmpty();
        }
    }

    @Test
    void everyMalformedSubmissionGetsTheJsonErrorFormatNamingThePart() {
        byte[] png = TestImages.png(32, 32);
        // Two images, two options, a part nobody asked for, text where a file belongs.
        assertError(
                as(ALICE)
                        .multiPart("image", "a.png", png, "image/png")
                        .multiPart("image", "b.png", png, "image/png")
                        .multiPart("options", TINY)
                        .post("/v1/nightmares"),
                400,
                "image",
                "send exactly one");
        assertError(
                as(ALICE)
                        .multiPart("image", "a.png", png, "image/png")
                        .multiPart("options", TINY)
                        .multiPart("options", TINY.replace("\"rounds\":2", "\"rounds\":3"))
                        .post("/v1/nightmares"),
                400,
                "options",
                "send exactly one");
        assertError(
                as(ALICE)
                        .multiPart("imag", "a.png", png, "image/png")
                        .multiPart("options", TINY)
                        .post("/v1/nightmares"),
                400,
                "imag",
                "not a part of a submission");
        // Anything after the options' JSON, as a JSON body would refuse it.
        assertError(
                as(ALICE)
                        .multiPart("image", "a.png", png, "image/png")
                        .multiPart("options", TINY + " {\"rounds\":9}")
                        .post("/v1/nightmares"),
                400,
                "options",
                "nothing may follow it");
        // A callbackUrl that is not text is refused, not dropped.
        assertError(
                as(ALICE)
                        .contentType("application/json")
                        .body("{\"image\":\"" + Base64.getEncoder().encodeToString(png) + "\",\"options\":" + TINY
                                + ",\"callbackUrl\":{\"url\":\"https://hooks.example.com/x\"}}")
                        .post("/v1/nightmares"),
                400,
                "callbackUrl",
                "expected a URL as a string");
        // A GIF is an image ImageIO reads, but the API takes PNG and JPEG.
        assertError(submitRaw(gif(16, 16), "image/gif"), 415, "image", "GIF file; send a PNG or JPEG");
        // The framework's own refusals carry the same format.
        Response plain = as(ALICE).contentType("text/plain").body("hello").post("/v1/nightmares");
        assertThat(plain.statusCode()).isEqualTo(415);
        assertThat(plain.jsonPath().getString("title")).contains("multipart/form-data");
        Response unknown = as(ALICE).get("/v1/nothing-here");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.jsonPath().getInt("status")).isEqualTo(404);
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void malformedQueryAndPathValuesAre400NamingTheRange() {
        String id = submitted(ALICE);
        for (String limit : List.of("abc", "0", "-5", "101", "1e3")) {
            assertError(as(ALICE).get("/v1/nightmares?limit=" + limit), 400, "limit", "a whole number from 1 to 100");
        }
        assertError(as(ALICE).get("/v1/nightmares/" + id + "/rounds/abc"), 400, "round", "a whole number from 0");
        as(ALICE).get("/v1/nightmares?limit=1").then().statusCode(200);
    }

    @Test
    void aPngIsStoredAsItsPixelsWithoutItsOtherChunks() {
        byte[] png = TestImages.png(64, 48);
        byte[] padded = TestImages.withTextChunk(png, 1_500_000);
        assertThat(padded.length).isGreaterThan(1_500_000);

        String id =
                submitRaw(padded, "image/png").then().statusCode(202).extract().path("id");

        byte[] stored = store.objects().get(JobKeys.input(id)).bytes();
        assertThat(stored.length).as("the text chunk is not stored").isLessThan(png.length + 100);
        Image decodedStored = ImageCodec.decode(stored, "stored", 1 << 20);
        Image decodedUpload = ImageCodec.decode(padded, "upload", 1 << 20);
        assertThat(decodedStored.data()).as("the same pixels").containsExactly(decodedUpload.data());
    }

    @Test
    void tooLargeBodiesAndOptionFieldsAre413InTheJsonFormat() {
        // Over the image limit (2 MB in tests), over the whole body's limit, and a long options field.
        Response image = submitRaw(new byte[2_100_000], "image/png");
        assertThat(image.statusCode()).isEqualTo(413);
        assertThat(image.jsonPath().getString("title")).contains("at most 2000000");
        // As curl -F and browsers send it: with its Content-Length, over quarkus.http.limits.max-body-size.
        java.net.http.HttpResponse<String> body = postWithLength(31 * 1024 * 1024);
        assertThat(body.statusCode()).as(body.body()).isEqualTo(413);
        assertThat(body.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(body.body()).contains("\"status\":413").contains("too large");
        String longOptions = "{\"model\":\"tiny\",\"layer\":5,\"rng\":\"" + "s".repeat(9000) + "\"}";
        Response options = as(ALICE)
                .multiPart("image", "a.png", TestImages.png(8, 8), "image/png")
                .multiPart("options", longOptions)
                .post("/v1/nightmares");
        assertThat(options.statusCode()).as(options.asString()).isIn(400, 413);
        assertThat(options.contentType()).startsWith("application/json");
        assertThat(options.jsonPath().getString("title")).isNotBlank();
    }

    @Test
    void oneKeyMayHoldOnlySoManyEventStreamsOpenAndAClosedOneFreesItsPlace() throws Exception {
        String id = submitted(ALICE);
        String bobs = submitted(BOB);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        List<java.net.http.HttpResponse<java.io.InputStream>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(stream(http, ALICE, id));
                assertThat(open.getLast().statusCode()).isEqualTo(200);
            }
            java.net.http.HttpResponse<java.io.InputStream> fourth = stream(http, ALICE, id);
            assertThat(fourth.statusCode()).isEqualTo(429);
            assertThat(new String(fourth.body().readAllBytes())).contains("event streams open (at most 3)");
            assertThat(stream(http, BOB, bobs).statusCode())
                    .as("another key is not limited by Alice's")
                    .isEqualTo(200);

            open.removeFirst().body().close();
            Await.until(
                    "a closed stream to free its place",
                    Duration.ofSeconds(10),
                    () -> stream(http, ALICE, id).statusCode() == 200);
        } finally {
            for (var r : open) {
                r.body().close();
            }
        }
    }

    private java.net.http.HttpResponse<java.io.InputStream> stream(
            java.net.http.HttpClient http, String key, String id) {
        try {
            return http.send(
                    java.net.http.HttpRequest.newBuilder(base.toURI().resolve("/v1/nightmares/" + id + "/events"))
                            .header("Authorization", key)
                            .header("Accept", "text/event-stream")
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException | java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private java.net.http.HttpResponse<String> postWithLength(int bytes) {
        byte[] head = ("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] multipart = java.util.Arrays.copyOf(head, head.length + bytes);
        try {
            return java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1)
                    .build()
                    .send(
                            java.net.http.HttpRequest.newBuilder(base.toURI().resolve("/v1/nightmares"))
                                    .header("Authorization", ALICE)
                                    .header("Content-Type", "multipart/form-data; boundary=x")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(multipart))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            // The server may close the connection while the client is still sending: read what it said.
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException | java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response submitRaw(byte[] image, String type) {
        return as(ALICE)
                .multiPart("image", "in", image, type)
                .multiPart("options", TINY)
                .post("/v1/nightmares");
    }

    private static void assertError(Response response, int status, String field, String words) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.jsonPath().getInt("status")).isEqualTo(status);
        assertThat(response.jsonPath().getString("title")).contains(words);
        assertThat(response.jsonPath().getList("errors.field", String.class)).contains(field);
        assertThat(response.asString()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static byte[] gif(int width, int height) {
        try {
            var out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(
                    new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_BYTE_INDEXED),
                    "gif",
                    out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void kafkaDownIs503WithRetryAfterAndLeavesNothingBehind() {
        bus.down(true);
        ExtractableResponse<Response> r = submit(ALICE, TestImages.png(32, 32), TINY);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isNotBlank();
        assertThat(store.objects()).isEmpty();
    }

    @Test
    void s3DownIs503() {
        store.down(true);
        ExtractableResponse<Response> r = submit(ALICE, TestImages.png(32, 32), TINY);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void statusFollowsWhatTheWorkerWrites() {
        String id = submitted(ALICE);
        as(ALICE).get("/v1/nightmares/" + id).then().statusCode(200).body("state", equalTo("queued"));

        RunDetails run = new RunDetails("0.1.0", "reference", "cpu", "seeded", 7, "tiny", "a".repeat(64));
        JobStatus status = JobStatus.started(id, "worker-1", "att-1", 1, 2, 1, 0, run, Instant.now())
                .afterRound(0, 1500, Instant.now())
                .at(1, 0, Instant.now());
        store.put(JobKeys.status(id), ContractJson.write(status), "application/json");
        as(ALICE)
                .get("/v1/nightmares/" + id)
                .then()
                .statusCode(200)
                .body("state", equalTo("running"))
                .body("progress.roundsDone", equalTo(1))
                .body("progress.round", equalTo(1))
                .body("rounds[0].url", equalTo("/v1/nightmares/" + id + "/rounds/0"))
                .body("run.seed", equalTo(7))
                .body("run.backend", equalTo("reference"))
                .body("timings.lastRoundMillis", equalTo(1500));

        store.put(
                JobKeys.status(id),
                ContractJson.write(status.afterRound(1, 1400, Instant.now())
                        .finished(JobState.FAILED, "out of memory", Instant.now())),
                "application/json");
        as(ALICE)
                .get("/v1/nightmares/" + id)
                .then()
                .body("state", equalTo("failed"))
                .body("error", equalTo("out of memory"))
                .body("rounds.size()", equalTo(2));
    }

    @Test
    void roundImagesAreStreamedOrPresigned() {
        String id = submitted(ALICE);
        as(ALICE).get("/v1/nightmares/" + id + "/rounds/0").then().statusCode(404);
        byte[] jpg = TestImages.jpg(16, 16);
        store.put(JobKeys.roundImage(id, 0, "jpg"), jpg, "image/jpeg");
        byte[] got = as(ALICE)
                .get("/v1/nightmares/" + id + "/rounds/0")
                .then()
                .statusCode(200)
                .contentType("image/jpeg")
                .header("X-Content-Type-Options", "nosniff")
                .extract()
                .asByteArray();
        assertThat(got).isEqualTo(jpg);
        as(ALICE)
                .get("/v1/nightmares/" + id + "/rounds/0?presigned=true")
                .then()
                .statusCode(200)
                .body("url", containsString(JobKeys.roundImage(id, 0, "jpg")))
                .body("expiresInSeconds", equalTo(300));
        as(ALICE).get("/v1/nightmares/" + id + "/rounds/7").then().statusCode(404);
    }

    @Test
    void cancelWritesTheMarkerAndReportsIt() {
        String id = submitted(ALICE);
        as(ALICE)
                .post("/v1/nightmares/" + id + "/cancel")
                .then()
                .statusCode(202)
                .body("state", equalTo("queued"))
                .body("cancelRequested", equalTo(true));
        assertThat(store.objects()).containsKey(JobKeys.cancel(id));
        as(ALICE).get("/v1/nightmares/" + id).then().body("cancelRequested", equalTo(true));
    }

    @Test
    void deleteRemovesInputOutputsAndIndex() {
        String id = submitted(ALICE);
        store.put(JobKeys.roundImage(id, 0, "jpg"), new byte[] {1}, "image/jpeg");
        as(ALICE).delete("/v1/nightmares/" + id).then().statusCode(204);
        assertThat(store.objects().keySet()).noneMatch(k -> k.contains(id));
        as(ALICE).get("/v1/nightmares/" + id).then().statusCode(404);
    }

    @Test
    void listShowsOwnJobsNewestFirstInPages() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(submitted(ALICE));
        }
        submitted(BOB);
        ExtractableResponse<Response> page1 =
                as(ALICE).get("/v1/nightmares?limit=2").then().statusCode(200).extract();
        assertThat(page1.<List<String>>path("items.id")).containsExactly(ids.get(2), ids.get(1));
        String next = page1.path("next");
        assertThat(next).isNotNull();
        as(ALICE)
                .queryParam("after", next)
                .get("/v1/nightmares")
                .then()
                .body("items.id", equalTo(List.of(ids.get(0))))
                .body("next", equalTo(null));
        as(ALICE).queryParam("after", "../../x").get("/v1/nightmares").then().statusCode(400);
    }

    @Test
    void lateSseClientGetsCurrentStateFirstThenLiveEventsUntilFinal() throws Exception {
        String id = submitted(ALICE);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "v1/nightmares/" + id + "/events"))
                .header("Authorization", ALICE)
                .header("Accept", "text/event-stream")
                .build();
        CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        HttpResponse<java.util.stream.Stream<String>> open = response.get(10, TimeUnit.SECONDS);
        assertThat(open.statusCode()).isEqualTo(200);
        CompletableFuture<List<String>> lines =
                CompletableFuture.supplyAsync(() -> open.body().toList());

        awaitSubscribed(id);
        Instant now = Instant.now();
        bus.publishEvent(JobEvent.started(id, now, "w", "a", 2, 1, null));
        bus.publishEvent(JobEvent.round(
                id, now, "w", "a", 0, 2, 1, JobKeys.roundImage(id, 0, "jpg"), JobKeys.roundCheckpoint(id, 0)));
        bus.publishEvent(JobEvent.finished(EventType.SUCCEEDED, id, now, "w", "a", 2, null, null));
        List<String> events = lines.get(10, TimeUnit.SECONDS).stream()
                .filter(l -> l.startsWith("event:"))
                .map(l -> l.substring(6).trim())
                .toList();
        assertThat(events).containsExactly("state", "started", "round", "succeeded");
        String all = String.join("\n", lines.get());
        assertThat(all).contains("\"imageUrl\":\"/v1/nightmares/" + id + "/rounds/0\"");
    }

    @Test
    void sseOfAFinishedJobSendsItsStateAndEnds() throws Exception {
        String id = submitted(ALICE);
        JobStatus done = JobStatus.started(id, "w", "a", 1, 2, 1, 0, null, Instant.now())
                .afterRound(0, 1, Instant.now())
                .afterRound(1, 1, Instant.now())
                .finished(JobState.SUCCEEDED, null, Instant.now());
        store.put(JobKeys.status(id), ContractJson.write(done), "application/json");
        String body = as(ALICE)
                .accept("text/event-stream")
                .get("/v1/nightmares/" + id + "/events")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(body).contains("event:state").contains("\"state\":\"succeeded\"");
    }

    private void awaitSubscribed(String id) throws InterruptedException {
        Await.until("an SSE subscription for " + id, Duration.ofSeconds(10), () -> hub.subscribedJobs() > 0);
    }

    @Inject
    dev.nightmare.gateway.service.EventHub hub;

    @Inject
    dev.nightmare.gateway.service.RetentionSweeper sweeper;

    @Test
    void retentionDeletesJobsOlderThanThePeriodOnly() {
        String id = submitted(ALICE);
        store.put(JobKeys.roundImage(id, 0, "jpg"), new byte[] {1}, "image/jpeg");
        assertThat(sweeper.sweep(Instant.now().plus(Duration.ofDays(6)))).isZero();
        assertThat(store.objects()).containsKey(JobKeys.request(id));
        assertThat(sweeper.sweep(Instant.now().plus(Duration.ofDays(8)))).isEqualTo(1);
        assertThat(store.objects()).isEmpty();
    }

    @Test
    void healthMetricsAndOpenApiAreOpenAndPageIsServed() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200).body(containsString("nightmare_requests_backlog"));
        given().get("/q/openapi?format=json").then().statusCode(200).body("paths", notNullValue());
        given().get("/")
                .then()
                .statusCode(200)
                .contentType(containsString("text/html"))
                .header("Content-Security-Policy", containsString("default-src 'self'"))
                .header("X-Content-Type-Options", "nosniff");
    }

    @Test
    void modelsAreListedWithLayers() {
        as(ALICE)
                .get("/v1/models")
                .then()
                .statusCode(200)
                .body("name", hasItems("tiny", "vgg-conv"))
                .body("find { it.name == 'tiny' }.layers.size()", equalTo(22))
                .body("find { it.name == 'tiny' }.layers[0].index", equalTo(0))
                .body("find { it.name == 'tiny' }.description", containsString("ImageNet"))
                .body("find { it.name == 'tiny' }.recommendedLayers", equalTo(List.of(10, 13)))
                .body("find { it.name == 'tiny' }.synthetic", equalTo(false))
                .body("find { it.name == 'vgg-conv' }.synthetic", equalTo(true))
                .body("find { it.name == 'vgg-conv' }.recommendedLayers", equalTo(List.of()));
        as(ALICE)
                .get("/v1/models/nope")
                .then()
                .statusCode(404)
                .body("title", containsString("GET /v1/models lists the models"));
    }

    @Test
    void noopAnswers202ForAnAuthenticatedCaller() {
        as(ALICE)
                .body(new byte[100])
                .contentType("application/octet-stream")
                .post("/v1/noop")
                .then()
                .statusCode(202);
        given().body(new byte[1])
                .contentType("application/octet-stream")
                .post("/v1/noop")
                .then()
                .statusCode(401);
    }
}
