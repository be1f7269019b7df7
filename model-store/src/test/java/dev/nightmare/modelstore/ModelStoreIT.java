package dev.nightmare.modelstore;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.engine.testing.TestModels;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.InjectLocalS3;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API against a real HTTP server, a real models directory and a real S3 server. */
@QuarkusTest
@WithTestResource(value = ModelsTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = ModelsS3TestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ModelStoreIT {
    @InjectLocalS3
    LocalS3 s3;

    @TempDir
    Path tmp;

    @BeforeEach
    void ready() throws InterruptedException {
        StoreReady.await();
    }

    private static RequestSpecification service() {
        return given().header("Authorization", "Bearer " + ModelsTestResource.SERVICE_TOKEN);
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + ModelsTestResource.ADMIN_TOKEN);
    }

    @Test
    void listsEveryModelReadyOrBrokenWithTheReason() {
        JsonPath list =
                service().get("/v1/models").then().statusCode(200).extract().jsonPath();
        Map<String, String> status = Map.of(
                "tiny", "ready",
                "vgg-conv", "ready",
                "jnet-conv", "ready",
                "s3-tiny", "ready",
                "tiny-truncated", "broken",
                "bad-cfg", "broken");
        status.forEach((name, expected) -> assertThat(list.getString("find { it.name == '" + name + "' }.status"))
                .as(name)
                .isEqualTo(expected));
        assertThat(list.getString("find { it.name == 'tiny-truncated' }.reason"))
                .contains("tiny-truncated.weights is 1000000 bytes")
                .contains("truncated");
        assertThat(list.getString("find { it.name == 'bad-cfg' }.reason")).contains("unknown section [bogus]");
        Map<String, Object> tiny = list.getMap("find { it.name == 'tiny' }");
        assertThat(tiny)
                .containsEntry("displayName", "Tiny Darknet")
                .containsEntry("layerCount", 22)
                .containsEntry("weightsBytes", 4185968)
                .containsEntry("suggestedLayers", List.of(7, 13));
    }

    @Test
    void layerTablesMatchTheEngineForVggJnetAndTiny() throws IOException {
        for (String name : List.of("vgg-conv", "jnet-conv", "tiny")) {
            NetworkSpec spec = NetworkSpec.read(Shared.models().resolve(name + ".cfg"), w -> {});
            JsonPath details = service()
                    .get("/v1/models/" + name)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(details.getInt("layerCount")).isEqualTo(spec.size());
            assertThat(details.getLong("parameterCount")).isEqualTo(spec.weightFloats());
            assertThat(details.getInt("lastTargetableLayer")).isEqualTo(spec.lastTargetableLayer());
            assertThat(details.getInt("referenceInput.width")).isEqualTo(256);
            assertThat(details.getList("layers")).hasSize(spec.size());
            var shapes = spec.outputShapes(256, 256, spec.lastTargetableLayer());
            for (int i = 0; i < shapes.size(); i++) {
                assertThat(details.getInt("layers[" + i + "].output.channels"))
                        .isEqualTo(shapes.get(i).channels());
                assertThat(details.getInt("layers[" + i + "].output.height"))
                        .isEqualTo(shapes.get(i).height());
                assertThat(details.getInt("layers[" + i + "].output.width"))
                        .isEqualTo(shapes.get(i).width());
                assertThat(details.getString("layers[" + i + "].type"))
                        .isEqualTo(spec.layer(i).type());
            }
            assertThat(details.getList("versions", String.class)).startsWith(details.getString("sha256"));
        }
        JsonPath vgg = service().get("/v1/models/vgg-conv").jsonPath();
        assertThat(vgg.getMap("layers[0]"))
                .containsEntry("type", "convolutional")
                .containsEntry("filters", 64)
                .containsEntry("size", 3)
                .containsEntry("stride", 1)
                .containsEntry("padding", 1)
                .containsEntry("activation", "relu")
                .containsEntry("batchNormalize", false);
        assertThat(vgg.getMap("layers[0].output")).isEqualTo(Map.of("channels", 64, "height", 256, "width", 256));
    }

    @Test
    void weightsDownloadIsByteExactWithItsSha256AsETag() throws Exception {
        Path synthetic = Shared.syntheticWeights("vgg-conv");
        String weightsSha = Model.sha256(synthetic);
        String modelSha = Model.sha256(Shared.models().resolve("vgg-conv.cfg"), synthetic);
        Response response = service().get("/v1/models/vgg-conv/weights");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.header("Content-Length")).isEqualTo(Long.toString(Files.size(synthetic)));
        assertThat(response.header("ETag")).isEqualTo("\"" + weightsSha + "\"");
        assertThat(response.header("X-Model-Version")).isEqualTo(modelSha);
        assertThat(sha256(response.asByteArray())).isEqualTo(weightsSha);

        JsonPath details = service().get("/v1/models/vgg-conv").jsonPath();
        assertThat(details.getString("sha256")).isEqualTo(modelSha);
        assertThat(details.getString("weightsSha256")).isEqualTo(weightsSha);
        byte[] cfg = service().get("/v1/models/vgg-conv/cfg").asByteArray();
        assertThat(cfg).isEqualTo(Files.readAllBytes(Shared.models().resolve("vgg-conv.cfg")));
    }

    @Test
    void matchingIfNoneMatchGets304() {
        String etag = service().get("/v1/models/tiny/cfg").header("ETag");
        service()
                .header("If-None-Match", etag)
                .get("/v1/models/tiny/cfg")
                .then()
                .statusCode(304)
                .header("ETag", etag);
        service()
                .header("If-None-Match", "\"" + "0".repeat(64) + "\"")
                .get("/v1/models/tiny/cfg")
                .then()
                .statusCode(200);
    }

    @Test
    void rangeRequestGetsThatSliceWithContentRange() throws IOException {
        byte[] all = Files.readAllBytes(Shared.models().resolve("tiny.weights"));
        Response part = service().header("Range", "bytes=1000-1999").get("/v1/models/tiny/weights");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.header("Content-Range")).isEqualTo("bytes 1000-1999/" + all.length);
        assertThat(part.asByteArray()).isEqualTo(Arrays.copyOfRange(all, 1000, 2000));
        Response tail = service().header("Range", "bytes=-16").get("/v1/models/tiny/weights");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.asByteArray()).isEqualTo(Arrays.copyOfRange(all, all.length - 16, all.length));
        service()
                .header("Range", "bytes=" + all.length + "-")
                .get("/v1/models/tiny/weights")
                .then()
                .statusCode(416)
                .header("Content-Range", "bytes */" + all.length);
    }

    @Test
    void brokenModelIsNeverServedWhileOthersAre() {
        Response broken = service().get("/v1/models/tiny-truncated/weights");
        assertThat(broken.statusCode()).isEqualTo(409);
        assertThat(broken.jsonPath().getString("title")).contains("truncated");
        service().get("/v1/models/tiny-truncated").then().statusCode(200);
        assertThat(service().get("/v1/models/tiny-truncated").jsonPath().getString("status"))
                .isEqualTo("broken");
        service().get("/v1/models/tiny/weights").then().statusCode(200);
        service().get("/v1/models/nothing-here").then().statusCode(404);
    }

    @Test
    void modelsInTheBucketAreServedToo() throws Exception {
        Response weights = service().get("/v1/models/s3-tiny/weights");
        assertThat(weights.statusCode()).isEqualTo(200);
        assertThat(sha256(weights.asByteArray()))
                .isEqualTo(Model.sha256(Shared.models().resolve("tiny.weights")));
        assertThat(service().get("/v1/models/s3-tiny").jsonPath().getString("sha256"))
                .isEqualTo(Model.sha256(
                        Shared.models().resolve("tiny.cfg"), Shared.models().resolve("tiny.weights")));
    }

    @Test
    void invalidUploadIsRejectedAndChangesNothing() throws IOException {
        String before = service().get("/v1/models/tiny").jsonPath().getString("sha256");
        List<String> versions = service().get("/v1/models/tiny").jsonPath().getList("versions", String.class);
        Path truncated = tmp.resolve("short.weights");
        Files.write(truncated, Arrays.copyOf(Files.readAllBytes(Shared.models().resolve("tiny.weights")), 5000));
        Response response = admin().multiPart(
                        "cfg", Shared.models().resolve("tiny.cfg").toFile())
                .multiPart("weights", truncated.toFile())
                .put("/v1/models/tiny");
        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.jsonPath().getString("title")).contains("truncated");

        Response badCfg = admin().multiPart("cfg", "x.cfg", "[net]\n[nonsense]\n".getBytes(StandardCharsets.UTF_8))
                .multiPart("weights", truncated.toFile())
                .put("/v1/models/tiny");
        assertThat(badCfg.statusCode()).isEqualTo(422);
        assertThat(service().get("/v1/models/tiny").jsonPath().getString("sha256"))
                .isEqualTo(before);
        assertThat(service().get("/v1/models/tiny").jsonPath().getList("versions", String.class))
                .isEqualTo(versions);
    }

    @Test
    void badModelNamesAreRefusedWithTheRuleBeforeAnythingElse() {
        String longName = "m".repeat(300);
        for (String raw : List.of("..%2F..%2Fetc", "tiny%2F", "a%00b", longName, "-dash", "a%20b")) {
            Response response = admin().urlEncodingEnabled(false)
                    .multiPart("cfg", "x.cfg", "[net]\n".getBytes(StandardCharsets.UTF_8))
                    .multiPart("weights", "x.weights", new byte[] {1, 2, 3})
                    .put("/v1/models/" + raw);
            String body = response.asString();
            assertThat(response.statusCode()).as(raw + " → " + body).isIn(400, 404);
            assertThat(response.contentType()).as(raw).startsWith("application/json");
            assertThat(body)
                    .as(raw)
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ")
                    .doesNotContain(tmp.toString())
                    .doesNotContain("/work/");
            if (response.statusCode() == 400) {
                assertThat(response.jsonPath().getString("title")).contains("is not a model name: expected 1 to 64");
            }
            Response read = service().urlEncodingEnabled(false).get("/v1/models/" + raw);
            assertThat(read.statusCode()).as("GET " + raw).isIn(400, 404);
        }
        assertThat(service().get("/v1/models").jsonPath().getList("name", String.class))
                .noneMatch(n -> n.contains("etc") || n.length() > 64);
    }

    @Test
    void validUploadBecomesCurrentAndTheOldVersionStaysServedByHash() throws Exception {
        Path cfg = tmp.resolve("mixed.cfg");
        Files.writeString(cfg, TestModels.MIXED);
        NetworkSpec spec = NetworkSpec.read(cfg, w -> {});
        Path first = tmp.resolve("first.weights");
        Path second = tmp.resolve("second.weights");
        SyntheticWeights.write(spec, 1, first);
        SyntheticWeights.write(spec, 2, second);
        String firstSha = Model.sha256(cfg, first);
        String secondSha = Model.sha256(cfg, second);

        Response created = admin().multiPart("cfg", cfg.toFile())
                .multiPart("weights", first.toFile())
                .multiPart(
                        "metadata",
                        "m.json",
                        "{\"displayName\":\"Mixed\",\"suggestedLayers\":[2]}".getBytes(StandardCharsets.UTF_8),
                        "application/json")
                .put("/v1/models/mixed");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        assertThat(created.jsonPath().getString("sha256")).isEqualTo(firstSha);
        assertThat(created.header("Location")).endsWith("/v1/models/mixed/versions/" + firstSha);
        assertThat(service().get("/v1/models").jsonPath().getString("find { it.name == 'mixed' }.displayName"))
                .isEqualTo("Mixed");

        admin().multiPart("cfg", cfg.toFile())
                .multiPart("weights", second.toFile())
                .put("/v1/models/mixed")
                .then()
                .statusCode(201);
        JsonPath now = service().get("/v1/models/mixed").jsonPath();
        assertThat(now.getString("sha256")).isEqualTo(secondSha);
        assertThat(now.getString("displayName")).isEqualTo("mixed");
        assertThat(now.getList("versions", String.class)).containsExactly(secondSha, firstSha);
        assertThat(service().get("/v1/models/mixed/weights").asByteArray()).isEqualTo(Files.readAllBytes(second));
        assertThat(service()
                        .get("/v1/models/mixed/versions/" + firstSha + "/weights")
                        .asByteArray())
                .isEqualTo(Files.readAllBytes(first));
        assertThat(service()
                        .get("/v1/models/mixed/versions/" + firstSha)
                        .jsonPath()
                        .getString("status"))
                .isEqualTo("superseded");

        // Uploads go to the bucket (it is configured): both versions and the current files are there.
        var minio = ModelsS3TestResource.client(s3);
        for (String key : List.of(
                "mixed.cfg",
                "mixed.weights",
                "versions/" + firstSha + "/mixed.weights",
                "versions/" + secondSha + "/mixed.cfg")) {
            assertThat(minio.statObject(StatObjectArgs.builder()
                                    .bucket(ModelsS3TestResource.BUCKET)
                                    .object(ModelsS3TestResource.PREFIX + key)
                                    .build())
                            .size())
                    .as(key)
                    .isPositive();
        }
    }

    @Test
    void uploadNeedsTheAdminToken() {
        given().multiPart("cfg", "a.cfg", new byte[] {1})
                .multiPart("weights", "a.weights", new byte[] {1})
                .put("/v1/models/other")
                .then()
                .statusCode(401);
        service()
                .multiPart("cfg", "a.cfg", new byte[] {1})
                .multiPart("weights", "a.weights", new byte[] {1})
                .put("/v1/models/other")
                .then()
                .statusCode(403);
        service().get("/v1/models/other").then().statusCode(404);
    }

    @Test
    void readsNeedAServiceTokenWhenAuthIsOn() {
        given().get("/v1/models").then().statusCode(401).header("WWW-Authenticate", "Bearer realm=\"model-store\"");
        given().header("Authorization", "Bearer wrong")
                .get("/v1/models/tiny/weights")
                .then()
                .statusCode(401);
        admin().get("/v1/models").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void metricsAndOpenApiAreServed() {
        String metrics =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("nightmare_model_store_models{status=\"ready\"}");
        String openapi =
                given().get("/q/openapi").then().statusCode(200).extract().asString();
        assertThat(openapi).contains("/v1/models/{name}/versions/{sha256}/weights");
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
