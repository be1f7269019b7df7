package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The optional {@code webhookEvents} filter of a request: old documents stay readable, new ones are checked. */
class JobRequestWebhookEventsTest {

    private static JobRequest withEvents(List<String> events) {
        JobRequest r = Samples.request();
        return new JobRequest(
                r.schemaVersion(),
                r.jobId(),
                r.owner(),
                r.options(),
                r.modelSha256(),
                r.inputKey(),
                r.inputWidth(),
                r.inputHeight(),
                r.createdAt(),
                r.deadline(),
                "https://hooks.example.com/x",
                events);
    }

    @Test
    void requestWrittenBeforeTheFieldExistedReadsAsEveryEvent() {
        // request.json as the gateway wrote it before webhookEvents: no such field.
        String old = new String(ContractJson.write(Samples.request()), StandardCharsets.UTF_8);
        assertThat(old).doesNotContain("webhookEvents");
        JobRequest read = ContractJson.readRequest(old.getBytes(StandardCharsets.UTF_8));
        assertThat(read.webhookEvents()).isNull();
        assertThat(read).isEqualTo(Samples.request());
    }

    @Test
    void filterRoundTripsAndNoFilterWritesNothing() {
        JobRequest filtered = withEvents(List.of("start", "completed"));
        assertThat(ContractJson.readRequest(ContractJson.write(filtered))).isEqualTo(filtered);
        assertThat(new String(ContractJson.write(filtered), StandardCharsets.UTF_8))
                .contains("\"webhookEvents\":[\"start\",\"completed\"]");
        assertThat(new String(ContractJson.write(withEvents(null)), StandardCharsets.UTF_8))
                .doesNotContain("webhookEvents");
    }

    @Test
    void unknownOrEmptyFilterIsAContractViolation() {
        assertThatThrownBy(() -> ContractJson.readRequest(ContractJson.write(withEvents(List.of("start", "output")))))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("webhookEvents has 'output'");
        assertThatThrownBy(() -> ContractJson.readRequest(ContractJson.write(withEvents(List.of()))))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("webhookEvents is empty");
    }
}
