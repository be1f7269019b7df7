package dev.nightmare.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A submission's webhook filter ({@code webhookEvents}): accepted in both body forms, refused with reasons, documented. */
@QuarkusTest
class WebhookSubmissionTest {
    static final String ALICE = "Bearer alice-key-0123456789";
    static final String TINY = "{\"model\":\"tiny\",\"layer\":5,\"rounds\":2,\"iters\":1,\"octaves\":1}";
    static final String HOOK = "https://hooks.example.com/nightmare";

    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    static RequestSpecification multipart(String events, String callbackUrl) {
        RequestSpecification r = given().header("Authorization", ALICE)
                .multiPart("image", "in.png", TestImages.png(32, 32), "image/png")
                .multiPart("options", TINY);
        if (callbackUrl != null) {
            r = r.multiPart("callbackUrl", callbackUrl);
        }
        return events == null ? r : r.multiPart("webhookEvents", events);
    }

    static Response json(String eventsJson) {
        return given().header("Authorization", ALICE)
                .contentType("application/json")
                .body("{\"image\":\"" + Base64.getEncoder().encodeToString(TestImages.png(32, 32)) + "\",\"options\":"
                        + TINY + ",\"callbackUrl\":\"" + HOOK + "\",\"webhookEvents\":" + eventsJson + "}")
                .post("/v1/nightmares");
    }

    @Test
    void theFilterIsStoredWithTheJobInOneOrder() {
        multipart("completed,start", HOOK).post("/v1/nightmares").then().statusCode(202);
        json("[\"round\"]").then().statusCode(202);
        multipart(null, HOOK).post("/v1/nightmares").then().statusCode(202);

        assertThat(bus.requests())
                .extracting(r -> r.webhookEvents())
                .containsExactly(List.of("start", "completed"), List.of("round"), null);
    }

    @Test
    void unknownEmptyOrOrphanedFiltersAre400SayingWhatWouldBeRight() {
        assertError(multipart("start,finished", HOOK).post("/v1/nightmares"), "'finished'", "start, round, completed");
        assertError(json("[\"start\",\"output\"]"), "'output'", "start, round, completed");
        assertError(json("[]"), "empty", "leave it out");
        assertError(json("{\"start\":true}"), "expected an array", "start, round, completed");
        assertError(multipart("start", null).post("/v1/nightmares"), "no callbackUrl was sent", "callbackUrl");
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void theOpenApiDocumentDescribesTheFilterInBothForms() throws Exception {
        JsonNode doc = new ObjectMapper()
                .readTree(given().get("/q/openapi?format=json")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
        JsonNode schemas = doc.path("components").path("schemas");
        JsonNode inJson = schemas.path("JsonSubmission").path("properties").path("webhookEvents");
        assertThat(inJson.path("type").asText()).isEqualTo("array");
        assertThat(inJson.path("description").asText()).contains("start", "round", "completed", "callbackUrl");
        String ref = inJson.path("items").path("$ref").asText();
        JsonNode names = schemas.path(ref.substring(ref.lastIndexOf('/') + 1)).path("enum");
        List<String> listed = new ArrayList<>();
        names.forEach(n -> listed.add(n.asText()));
        assertThat(listed).containsExactly("start", "round", "completed");
        JsonNode inParts =
                schemas.path("MultipartSubmission").path("properties").path("webhookEvents");
        assertThat(inParts.path("type").asText()).isEqualTo("string");
        assertThat(inParts.path("description").asText()).contains("separated by commas");
    }

    private static void assertError(Response response, String... words) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.jsonPath().getList("errors.field", String.class)).containsExactly("webhookEvents");
        assertThat(response.jsonPath().getString("errors[0].message")).contains(words);
    }
}
