package dev.nightmare.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.gateway.service.ApiException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookEventTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> json(String value) throws Exception {
        return WebhookEvent.parse(JSON.readTree(value));
    }

    @Test
    void namesAreTheContractsNames() {
        assertThat(Arrays.stream(WebhookEvent.values()).map(WebhookEvent::wireName))
                .containsExactlyElementsOf(JobRequest.WEBHOOK_EVENTS);
    }

    @Test
    void commaListsAndArraysParseToOneOrderEachNameOnce() throws Exception {
        assertThat(WebhookEvent.parse("completed, start")).containsExactly("start", "completed");
        assertThat(WebhookEvent.parse("round")).containsExactly("round");
        assertThat(WebhookEvent.parse(" round ,round,completed,start ")).containsExactly("start", "round", "completed");
        assertThat(WebhookEvent.parse("[\"completed\",\"round\"]")).containsExactly("round", "completed");
        assertThat(json("[\"completed\",\"start\"]")).containsExactly("start", "completed");
        assertThat(json("\"start,round\"")).containsExactly("start", "round");
    }

    @Test
    void absentOrBlankIsNoFilter() throws Exception {
        assertThat(WebhookEvent.parse((String) null)).isNull();
        assertThat(WebhookEvent.parse("  ")).isNull();
        assertThat(WebhookEvent.parse((com.fasterxml.jackson.databind.JsonNode) null))
                .isNull();
        assertThat(json("null")).isNull();
        assertThat(json("\"\"")).isNull();
    }

    @Test
    void unknownNamesAre400NamingTheFieldAndTheValidNames() {
        for (String bad : List.of("finish", "Start", "start,output", "start;round", "*", "started", "start,,round")) {
            assertThatThrownBy(() -> WebhookEvent.parse(bad)).as(bad).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.problems()).singleElement().satisfies(p -> {
                    assertThat(p.field()).isEqualTo("webhookEvents");
                    assertThat(p.message()).contains("start, round, completed");
                });
            });
        }
        assertThatThrownBy(() -> WebhookEvent.parse("finish")).hasMessageContaining("'finish'");
    }

    @Test
    void wrongJsonShapesAre400() {
        for (String bad : List.of("[]", "[1]", "[\"start\",null]", "3", "{\"start\":true}", "true", "[[\"start\"]]")) {
            assertThatThrownBy(() -> json(bad)).as(bad).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.problems().getFirst().field()).isEqualTo("webhookEvents");
            });
        }
        assertThatThrownBy(() -> json("[]")).hasMessageContaining("empty");
        assertThatThrownBy(() -> WebhookEvent.parse("[]")).hasMessageContaining("empty");
        assertThatThrownBy(() -> WebhookEvent.parse("[start")).hasMessageContaining("not one");
    }

    @Test
    void eachJobEventMapsToItsFilterName() {
        assertThat(WebhookEvent.of(EventType.STARTED)).contains(WebhookEvent.START);
        assertThat(WebhookEvent.of(EventType.ROUND)).contains(WebhookEvent.ROUND);
        for (EventType end : List.of(EventType.SUCCEEDED, EventType.FAILED, EventType.CANCELED)) {
            assertThat(WebhookEvent.of(end)).contains(WebhookEvent.COMPLETED);
        }
        assertThat(WebhookEvent.of(EventType.QUEUED)).isEmpty();
        assertThat(WebhookEvent.of(EventType.PROGRESS)).isEmpty();
        assertThat(WebhookEvent.ROUND.wantedBy(null)).isTrue();
        assertThat(WebhookEvent.ROUND.wantedBy(List.of("start", "completed"))).isFalse();
        assertThat(WebhookEvent.COMPLETED.wantedBy(List.of("start", "completed")))
                .isTrue();
    }
}
