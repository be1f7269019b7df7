package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightmare.client.ApiClient;
import dev.nightmare.client.ApiException;
import dev.nightmare.client.api.ModelsApi;
import dev.nightmare.client.api.NightmaresApi;
import dev.nightmare.client.model.ErrorBody;
import dev.nightmare.client.model.JobState;
import dev.nightmare.client.model.JobView;
import dev.nightmare.client.model.Model;
import dev.nightmare.client.model.Page;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A typed client generated from the gateway's OpenAPI document (by this module's build, from the
 * document the gateway's build stored) drives the real system: if the document left out a route,
 * a field, a parameter or the error format, this client could not do what it does here. Its
 * reader refuses unknown fields, so a response with a field the document does not describe fails.
 */
@ExtendWith(SharedSystem.class)
class GeneratedClientIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUICK = "{\"model\":\"tiny\",\"layer\":4,\"rounds\":2,\"iters\":1,\"octaves\":1,"
            + "\"format\":\"png\",\"seed\":5}";
    private static final Set<JobState> FINAL = EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED);

    private static TestSystem system;
    private static NightmaresApi jobs;
    private static ModelsApi models;

    @BeforeAll
    static void aGeneratedClientWithAKey() {
        system = SharedSystem.get();
        String key = system.apiKey("alice");
        ObjectMapper strict = ApiClient.createDefaultObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        ApiClient client = new ApiClient(
                        HttpClient.newBuilder(), strict, system.gateway().url())
                .setRequestInterceptor(request -> request.header("Authorization", "Bearer " + key))
                .setReadTimeout(GatewayClient.TIMEOUT);
        jobs = new NightmaresApi(client);
        models = new ModelsApi(client);
    }

    @Test
    void theServedDocumentIsTheOneTheClientWasGeneratedFrom() throws Exception {
        HttpResponse<String> served = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(system.gateway().url() + "/q/openapi?format=json"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Path stored = Path.of(
                System.getProperty("nightmare.openapi.document", "../gateway-service/target/openapi/openapi.json"));
        assertThat(withoutServers(JSON.readTree(served.body())))
                .as("the document served at /q/openapi and the one stored at build (%s)", stored)
                .isEqualTo(withoutServers(JSON.readTree(Files.readString(stored))));
    }

    @Test
    void submitFollowDownloadListAndDeleteWithTheTypedClient(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("input.png");
        Files.write(image, HostileImages.noisePng(80, 60, 21));

        // Prefer: wait holds the answer until the job has ended: a two-round job takes seconds.
        JobView submitted = jobs.submitJson(image.toFile(), null, "wait=60", QUICK, null, null);
        assertThat(submitted.getId()).isNotBlank();
        assertThat(submitted.getState()).isEqualTo(JobState.SUCCEEDED);

        JobView done = awaitFinal(submitted.getId());
        assertThat(done.getState()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.getRounds()).hasSize(2);
        assertThat(done.getProgress().getRoundsDone()).isEqualTo(2);
        assertThat(done.getOptions().getRounds()).isEqualTo(2);

        File round = jobs.getRound(done.getId(), "1", null);
        byte[] png = Files.readAllBytes(round.toPath());
        assertThat(png).hasSizeGreaterThan(8);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");

        Page page = jobs.listJobs(null, "5", "succeeded");
        assertThat(page.getItems()).extracting(JobView::getId).contains(done.getId());
        assertThat(page.getItems()).allSatisfy(job -> assertThat(job.getState()).isEqualTo(JobState.SUCCEEDED));

        JobView ended = jobs.cancelJob(done.getId());
        assertThat(ended.getState())
                .as("canceling a finished job changes nothing")
                .isEqualTo(JobState.SUCCEEDED);

        jobs.deleteJob(done.getId());
        assertThatThrownBy(() -> jobs.getJob(done.getId()))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    }

    @Test
    void modelsAndErrorsReadAsTheDocumentDescribesThem() throws Exception {
        List<Model> all = models.listModels();
        assertThat(all).extracting(Model::getName).contains("tiny");
        Model tiny = models.getModel("tiny");
        assertThat(tiny.getLayers()).isNotEmpty();

        ApiException refused = (ApiException) catchThrowable(() ->
                jobs.submitJson(tinyPng(), null, null, "{\"rounds\":-3,\"model\":\"tiny\",\"layer\":4}", null, null));
        assertThat(refused.getCode())
                .as("a well-formed request with a bad value")
                .isEqualTo(422);
        ErrorBody error = ApiClient.createDefaultObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                .readValue(refused.getResponseBody(), ErrorBody.class);
        assertThat(error.getStatus()).isEqualTo(422);
        assertThat(error.getErrors())
                .anySatisfy(problem -> assertThat(problem.getField()).contains("rounds"));
    }

    private static File tinyPng() throws Exception {
        Path file = Files.createTempFile("generated-client", ".png");
        file.toFile().deleteOnExit();
        Files.write(file, HostileImages.noisePng(16, 16, 2));
        return file.toFile();
    }

    private static JobView awaitFinal(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            JobView job = jobs.getJob(id);
            if (FINAL.contains(job.getState())) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not finish in 120 s");
    }

    /** The server list names where it was served from; the rest must be identical. */
    private static JsonNode withoutServers(JsonNode document) {
        ObjectNode copy = document.deepCopy();
        copy.remove("servers");
        return copy;
    }
}
