package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.contracts.testing.SampleJobs;
import dev.nightmare.engine.backend.BatchNormGradient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code options.bnGradient}: what it resolves to, the schema version it needs, and its recipe. */
class BnGradientContractsTest {
    private static JobRequest request(String bnGradient) {
        return SampleJobs.request(
                Samples.JOB_ID,
                SampleJobs.options("tiny", 12).bnGradient(bnGradient).resolved(1024),
                Samples.SHA,
                448,
                352);
    }

    @Test
    void theExactGradientTravelsAtVersionThreeAndRoundTrips() {
        JobRequest request = request("EXACT");
        assertThat(request.options().bnGradient()).isEqualTo("exact");
        assertThat(request.options().batchNormGradient()).isEqualTo(BatchNormGradient.EXACT);
        assertThat(request.schemaVersion()).isEqualTo(3);
        assertThat(new String(ContractJson.write(request), StandardCharsets.UTF_8))
                .contains("\"bnGradient\":\"exact\"");
        assertThat(ContractJson.readRequest(ContractJson.write(request))).isEqualTo(request);
    }

    @Test
    void darknetsGradientNamedOrNotIsTheDefaultAndNeedsNothingNew() {
        for (String darknet : new String[] {null, "darknet", "Darknet"}) {
            JobRequest request = request(darknet);
            assertThat(request.options().bnGradient()).isNull();
            assertThat(request.options().batchNormGradient()).isEqualTo(BatchNormGradient.DARKNET);
            assertThat(request.schemaVersion()).isEqualTo(1);
        }
    }

    @Test
    void anOlderVersionMayNotCarryItAndAnUnknownValueIsAProblemOnItsField() {
        String json = new String(ContractJson.write(request("exact")), StandardCharsets.UTF_8)
                .replace("\"schemaVersion\":3", "\"schemaVersion\":2");
        assertThatThrownBy(() -> ContractJson.readRequest(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("options.bnGradient needs schemaVersion 3");
        assertThat(Samples.request().options().withBnGradient("approximate").problems())
                .extracting(FieldProblem::field)
                .containsExactly("bnGradient");
    }

    @Test
    void aServiceJobsRecipeSaysWhichGradientMadeIt() {
        RunDetails run = Samples.run();
        assertThat(Recipe.of(request("exact"), run, 0).bnGradient()).isEqualTo("exact");
        assertThat(Recipe.of(request(null), run, 0).bnGradient()).isNull();
    }
}
