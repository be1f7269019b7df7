package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContractJsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object value) {
        return new String(ContractJson.write(value), StandardCharsets.UTF_8);
    }

    @Test
    void requestRoundTripsUnchanged() {
        JobRequest request = Samples.request();
        assertThat(ContractJson.readRequest(ContractJson.write(request))).isEqualTo(request);
    }

    @Test
    void requestIsSmallAndCarriesNoImageBytes() {
        byte[] json = ContractJson.write(Samples.request());
        assertThat(json.length).isLessThan(1024);
        assertThat(text(Samples.request())).contains("\"inputKey\":\"jobs/" + Samples.JOB_ID + "/input.png\"");
    }

    @Test
    void everyEventTypeRoundTripsUnchanged() {
        String id = Samples.JOB_ID;
        List<JobEvent> events = List.of(
                JobEvent.queued(id, Samples.T0, 2, 3),
                JobEvent.started(id, Samples.T0, "w", "a", 2, 3, Samples.run()),
                JobEvent.progress(id, Samples.T0, "w", "a", 0, 1, 2, 3),
                JobEvent.round(
                        id,
                        Samples.T0,
                        "w",
                        "a",
                        0,
                        2,
                        3,
                        JobKeys.roundImage(id, 0, "png"),
                        JobKeys.roundCheckpoint(id, 0)),
                JobEvent.finished(EventType.SUCCEEDED, id, Samples.T0, "w", "a", 2, null, Samples.run()),
                JobEvent.finished(EventType.FAILED, id, Samples.T0, "w", "a", 1, "input is missing", null),
                JobEvent.finished(EventType.CANCELED, id, Samples.T0, "w", "a", 1, null, Samples.run()));
        assertThat(events).extracting(JobEvent::type).containsExactly(EventType.values());
        for (JobEvent event : events) {
            assertThat(ContractJson.readEvent(ContractJson.write(event))).isEqualTo(event);
        }
    }

    @Test
    void eventTypesAndStatesAreLowerCaseOnTheWire() {
        assertThat(text(JobEvent.queued(Samples.JOB_ID, Samples.T0, 1, 1))).contains("\"type\":\"queued\"");
        assertThat(text(Samples.status())).contains("\"state\":\"running\"");
    }

    @Test
    void instantsAreIsoText() {
        assertThat(text(Samples.request())).contains("\"createdAt\":\"2025-11-26T10:00:00.123Z\"");
    }

    @Test
    void statusRoundTripsUnchanged() {
        JobStatus status = Samples.status().finished(JobState.SUCCEEDED, null, Samples.T0.plusSeconds(5));
        assertThat(ContractJson.readStatus(ContractJson.write(status))).isEqualTo(status);
    }

    @Test
    void unknownSchemaVersionIsATypedError() {
        String json = text(Samples.request()).replace("\"schemaVersion\":1", "\"schemaVersion\":4");
        assertThatThrownBy(() -> ContractJson.readRequest(utf8(json)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.UNSUPPORTED_SCHEMA_VERSION))
                .hasMessageContaining("schemaVersion 4")
                .hasMessageContaining("versions 1 to 3");
    }

    @Test
    void missingSchemaVersionIsATypedError() {
        String json = text(Samples.request()).replace("\"schemaVersion\":1,", "");
        assertThatThrownBy(() -> ContractJson.readRequest(utf8(json)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.MISSING_SCHEMA_VERSION));
    }

    @Test
    void malformedJsonIsATypedError() {
        for (String bad : List.of("{", "[]", "null", "{\"schemaVersion\":1} trailing", "\u0000")) {
            assertThatThrownBy(() -> ContractJson.readRequest(utf8(bad)))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            ContractException.class,
                            e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.MALFORMED));
        }
    }

    @Test
    void unknownFieldIsRefused() {
        String json = text(Samples.request()).replace("{\"schemaVersion\":1,", "{\"schemaVersion\":1,\"extra\":1,");
        assertThatThrownBy(() -> ContractJson.readRequest(utf8(json)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.MALFORMED))
                .hasMessageContaining("extra");
    }

    @Test
    void numberAsStringIsRefused() {
        String json = text(Samples.request()).replace("\"layer\":10", "\"layer\":\"10\"");
        assertThatThrownBy(() -> ContractJson.readRequest(utf8(json)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.MALFORMED));
    }

    @Test
    void integerForAFloatOptionIsAccepted() {
        String json = text(Samples.request()).replace("\"rate\":0.01", "\"rate\":1");
        assertThat(ContractJson.readRequest(utf8(json)).options().rate()).isEqualTo(1f);
    }

    @Test
    void oversizedMessageIsRefusedBeforeParsing() {
        byte[] big = new byte[ContractJson.MAX_MESSAGE_BYTES + 1];
        assertThatThrownBy(() -> ContractJson.readEvent(big))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.OVERSIZED));
    }

    @Test
    void requestWithBadJobIdOrUnresolvedOptionsIsInvalid() {
        String badId = text(Samples.request()).replace(Samples.JOB_ID, "../../etc/passwd");
        assertThatThrownBy(() -> ContractJson.readRequest(utf8(badId)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.INVALID))
                .hasMessageContaining("not a job id");
        String unresolved = text(Samples.request()).replace("\"iters\":3,", "");
        assertThatThrownBy(() -> ContractJson.readRequest(utf8(unresolved)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.INVALID))
                .hasMessageContaining("not resolved");
    }

    @Test
    void roundEventWithoutItsImageKeyIsInvalid() {
        String json = "{\"schemaVersion\":1,\"type\":\"round\",\"jobId\":\"" + Samples.JOB_ID
                + "\",\"time\":\"2025-11-26T10:00:00Z\",\"round\":0}";
        assertThatThrownBy(() -> ContractJson.readEvent(utf8(json)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.INVALID));
    }

    @Test
    void statusClaimingQueuedIsInvalid() {
        String json = text(Samples.status()).replace("\"state\":\"running\"", "\"state\":\"queued\"");
        assertThatThrownBy(() -> ContractJson.readStatus(utf8(json)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.INVALID));
    }
}
