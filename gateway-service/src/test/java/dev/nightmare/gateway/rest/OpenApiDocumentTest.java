package dev.nightmare.gateway.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The served OpenAPI document says everything a generated client needs, and nothing internal. */
@QuarkusTest
class OpenApiDocumentTest {
    private static JsonNode doc;

    @BeforeEach
    void read() throws Exception {
        if (doc != null) {
            return;
        }
        doc = new ObjectMapper()
                .readTree(given().get("/q/openapi?format=json")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
    }

    private static List<Map.Entry<String, JsonNode>> operations() {
        List<Map.Entry<String, JsonNode>> ops = new ArrayList<>();
        doc.get("paths")
                .properties()
                .forEach(path -> path.getValue()
                        .properties()
                        .forEach(op ->
                                ops.add(Map.entry(op.getKey().toUpperCase() + " " + path.getKey(), op.getValue()))));
        return ops;
    }

    @Test
    void everySuccessHasASchemaAndEveryErrorTheErrorFormat() {
        assertThat(operations()).hasSizeGreaterThanOrEqualTo(9);
        for (var op : operations()) {
            JsonNode responses = op.getValue().get("responses");
            assertThat(responses).as(op.getKey()).isNotNull();
            boolean success = false;
            for (var response : responses.properties()) {
                String code = response.getKey();
                JsonNode content = response.getValue().get("content");
                if (code.startsWith("2") && !code.equals("204")) {
                    success = true;
                    assertThat(content)
                            .as(op.getKey() + " " + code + " has content")
                            .isNotNull();
                    content.properties()
                            .forEach(media -> assertThat(media.getValue().has("schema"))
                                    .as(op.getKey() + " " + code + " " + media.getKey())
                                    .isTrue());
                } else if (code.startsWith("4") || code.startsWith("5")) {
                    assertThat(content.path("application/json")
                                    .path("schema")
                                    .path("$ref")
                                    .asText())
                            .as(op.getKey() + " " + code)
                            .isEqualTo("#/components/schemas/ErrorBody");
                }
            }
            assertThat(success || responses.has("204"))
                    .as(op.getKey() + " documents its success")
                    .isTrue();
            if (op.getValue().has("security")) {
                assertThat(responses.has("401"))
                        .as(op.getKey() + " documents 401")
                        .isTrue();
            }
        }
        assertThat(doc.at("/paths/~1v1~1nightmares~1{id}/get/responses/200/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/JobView");
        assertThat(doc.at("/paths/~1v1~1nightmares/post/responses/202/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/JobView");
    }

    @Test
    void theKeysAreOpaqueBearerTokensNotJwts() {
        JsonNode scheme = doc.at("/components/securitySchemes/apiKey");
        assertThat(scheme.path("type").asText()).isEqualTo("http");
        assertThat(scheme.path("scheme").asText()).isEqualTo("bearer");
        assertThat(scheme.has("bearerFormat")).isFalse();
    }

    @Test
    void everyJobOptionIsDescribedWithItsDefaultAndRange() {
        JsonNode options = doc.at("/components/schemas/JobOptions");
        assertThat(options.path("description").asText()).isNotBlank();
        options.get("properties")
                .properties()
                .forEach(p -> assertThat(p.getValue().path("description").asText())
                        .as("JobOptions." + p.getKey())
                        .isNotBlank());
        JsonNode props = options.get("properties");
        assertThat(props.at("/iters/default").asInt()).isEqualTo(10);
        assertThat(props.at("/octaves/default").asInt()).isEqualTo(4);
        assertThat(props.at("/rate/default").toString()).isEqualTo("0.04");
        assertThat(props.at("/rounds/minimum").asInt()).isEqualTo(1);
        assertThat(props.at("/rounds/maximum").asInt()).isEqualTo(100_000);
        assertThat(props.at("/rng/enum").toString()).isEqualTo("[\"seeded\",\"darknet\"]");
        assertThat(props.at("/format/enum").toString()).isEqualTo("[\"jpg\",\"png\"]");
        assertThat(props.at("/preset/type").asText()).isEqualTo("string");
        assertThat(props.at("/preset/description").asText()).contains("GET /v1/presets");
        assertThat(props.at("/animate/description").asText()).contains("video");
        JsonNode json = doc.at("/components/schemas/JsonSubmission");
        assertThat(json.path("required").toString()).contains("\"image\"");
    }

    @Test
    void theWebhookIsDescribedWithItsBodyAndBothSignatures() {
        JsonNode post = doc.at("/webhooks/jobEvent/post");
        assertThat(post.at("/requestBody/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/EventView");
        assertThat(doc.at("/components/schemas/EventView").isObject()).isTrue();
        List<String> headers = new ArrayList<>();
        post.path("parameters")
                .forEach(p ->
                        headers.add(p.path("in").asText() + ":" + p.path("name").asText()));
        assertThat(headers)
                .containsExactlyInAnyOrder(
                        "header:webhook-id",
                        "header:webhook-timestamp",
                        "header:webhook-signature",
                        "header:Nightmare-Signature");
    }

    @Test
    void noInternalTypeLeaksIntoTheSchemas() {
        Set<String> internal = Set.of(
                "JsonNode",
                "JsonNodeType",
                "OutboundSseEvent",
                "MediaType",
                "Response",
                "MultipartFormDataInput",
                "StoredObject",
                "Multi");
        List<String> names = new ArrayList<>();
        doc.get("components").get("schemas").fieldNames().forEachRemaining(names::add);
        assertThat(names).doesNotContainAnyElementsOf(internal);
        String text = doc.toString();
        for (String name : internal) {
            assertThat(text).doesNotContain("#/components/schemas/" + name + "\"");
        }
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        for (String ref : refs) {
            assertThat(doc.at(ref.substring(1))).as(ref + " resolves").isNotNull();
            assertThat(doc.at(ref.substring(1)).isMissingNode())
                    .as(ref + " resolves")
                    .isFalse();
        }
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("$ref")) {
                    refs.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
