package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.as;
import static dev.nightmare.gateway.NightmareResourceTest.submit;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.Preset;
import dev.nightmare.contracts.Presets;
import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.OptionsParser;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.SharedModelCatalog;
import dev.nightmare.gateway.testing.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/presets} and a submission's {@code "preset": "NAME"}. */
@QuarkusTest
class PresetsApiTest {
    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    @Test
    void everyOfferedModelIsListedWithTheCataloguesPresets() {
        JsonPath list =
                as(ALICE).get("/v1/presets").then().statusCode(200).extract().jsonPath();
        assertThat(list.getList("model", String.class)).isEqualTo(SharedModelCatalog.NAMES);
        for (String model : SharedModelCatalog.NAMES) {
            String at = "find { it.model == '" + model + "' }.";
            assertThat(list.getList(at + "presets.name", String.class))
                    .isEqualTo(Presets.forModel(model).presetNames());
            assertThat(list.getBoolean(at + "described")).isTrue();
            assertThat(list.getString(at + "defaultPreset"))
                    .isEqualTo(Presets.forModel(model).defaultPreset());
            assertThat(list.getList(at + "recommendedLayers.layer", Integer.class))
                    .isNotEmpty()
                    .isEqualTo(Presets.forModel(model).recommendedLayers().stream()
                            .map(l -> l.layer())
                            .toList());
            // The stand-in model-store versions models by their cfg alone: no version the catalogue knows.
            assertThat(list.getString(at + "weights")).isEqualTo("unknown");
        }
        Preset gentle = Presets.find("tiny", "gentle");
        String tinyGentle = "find { it.model == 'tiny' }.presets.find { it.name == 'gentle' }.";
        assertThat(list.getString(tinyGentle + "description")).isEqualTo(gentle.description());
        assertThat(list.getInt(tinyGentle + "options.layer"))
                .isEqualTo(gentle.options().layer());
        assertThat(list.getFloat(tinyGentle + "options.rate"))
                .isEqualTo(gentle.options().rate());
        assertThat(list.getMap(tinyGentle + "options")).doesNotContainKey("seed");
    }

    @Test
    void eachModelListsItsPresetsWhereThePageReadsThem() {
        JsonPath tiny = as(ALICE)
                .get("/v1/models/tiny")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(tiny.getList("presets.name", String.class))
                .isEqualTo(Presets.forModel("tiny").presetNames());
        assertThat(tiny.getString("presets.find { it.name == 'gentle' }.description"))
                .isEqualTo(Presets.find("tiny", "gentle").description());
    }

    @Test
    void thePresetsNeedTheApiKey() {
        given().get("/v1/presets").then().statusCode(401);
    }

    @Test
    void aPresetFillsWhatTheOptionsLeaveOutAndGivenOptionsWin() {
        Preset gentle = Presets.find("tiny", "gentle");
        Response r = submit(ALICE, TestImages.png(160, 120), "{\"model\":\"tiny\",\"preset\":\"gentle\",\"iters\":2}")
                .response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(202);
        JobOptions sent = bus.requests().getFirst().options();
        assertThat(sent.iters()).isEqualTo(2);
        assertThat(sent.layer()).isEqualTo(gentle.options().layer());
        assertThat(sent.range()).isEqualTo(gentle.options().range());
        assertThat(sent.rate()).isEqualTo(gentle.options().rate());
        assertThat(sent.rounds()).isEqualTo(gentle.options().rounds());
        assertThat(sent.octaves()).as("darknet's default, which gentle keeps").isEqualTo(4);
        assertThat(sent.isResolved()).isTrue();
    }

    @Test
    void aJsonSubmissionTakesAPresetToo() {
        Preset zoom = Presets.find("vgg-conv", "zoom");
        String body = "{\"image\":\"" + Base64.getEncoder().encodeToString(TestImages.jpg(128, 128)) + "\",\"options\":"
                + "{\"model\":\"vgg-conv\",\"preset\":\"zoom\",\"layer\":7,\"rounds\":1}}";
        as(ALICE)
                .contentType("application/json")
                .body(body)
                .post("/v1/nightmares")
                .then()
                .statusCode(202);
        JobOptions sent = bus.requests().getFirst().options();
        assertThat(sent.layer()).isEqualTo(7);
        assertThat(sent.rounds()).isEqualTo(1);
        assertThat(sent.zoom()).isEqualTo(zoom.options().zoom());
        assertThat(sent.iters()).isEqualTo(zoom.options().iters());
    }

    @Test
    void anUnknownPresetIs400NamingTheModelsPresets() {
        Response r = submit(ALICE, TestImages.png(32, 32), "{\"model\":\"tiny\",\"preset\":\"wild\",\"layer\":5}")
                .response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(r.jsonPath().getInt("status")).isEqualTo(400);
        assertThat(r.jsonPath().getList("errors.field", String.class)).containsExactly("preset");
        assertThat(r.jsonPath().getString("errors[0].message"))
                .isEqualTo("preset 'wild' is unknown for model tiny; known presets: "
                        + String.join(", ", Presets.forModel("tiny").presetNames())
                        + " (GET /v1/presets lists them)");
        assertThat(bus.requests()).isEmpty();
        assertThat(store.objects()).isEmpty();
    }

    @Test
    void aPresetWithoutAModelIsTheDefaultModelsAndAPresetIsAName() {
        // The test profile's default model is tiny.
        submit(ALICE, TestImages.png(32, 32), "{\"preset\":\"gentle\"}")
                .response()
                .then()
                .statusCode(202);
        Preset gentle = Presets.find("tiny", "gentle");
        assertThat(bus.requests().getLast().options().model()).isEqualTo("tiny");
        assertThat(bus.requests().getLast().options().layer())
                .isEqualTo(gentle.options().layer());
        assertThat(bus.requests().getLast().options().rate())
                .isEqualTo(gentle.options().rate());
        bus.clear();
        // Without a default model a preset needs the model.
        assertThatThrownBy(() -> OptionsParser.parse("{\"preset\":\"gentle\"}", Optional.empty()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.problems().getFirst().field()).isEqualTo("model");
                    assertThat(e.problems().getFirst().message()).contains("preset 'gentle' is one of a model's");
                });
        submit(ALICE, TestImages.png(32, 32), "{\"model\":\"tiny\",\"preset\":3}")
                .response()
                .then()
                .statusCode(400)
                .body("errors.field", equalTo(List.of("preset")))
                .body("errors[0].message", equalTo("preset is 3; expected a string"));
        assertThat(bus.requests()).isEmpty();
    }
}
