package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.submitted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.gateway.service.EventHub;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.platform.testing.Await;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SSE stream's wire format and its resume after {@code Last-Event-ID}. */
@QuarkusTest
class EventStreamTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    @Inject
    EventHub hub;

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void clean() {
        store.clear();
        bus.clear();
    }

    /** One SSE event as it came over the wire: its field lines, in order. */
    record WireEvent(List<String> lines) {
        String field(String name) {
            return lines.stream()
                    .filter(l -> l.startsWith(name + ":"))
                    .map(l -> l.substring(name.length() + 1))
                    .findFirst()
                    .orElse(null);
        }

        String name() {
            return field("event");
        }
    }

    /** An open stream, read on its own thread into a queue of events. */
    final class Stream implements AutoCloseable {
        private final InputStream body;
        private final BlockingQueue<WireEvent> events = new LinkedBlockingQueue<>();
        private volatile boolean ended;

        Stream(String id, String lastEventId) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "v1/nightmares/" + id + "/events"))
                    .header("Authorization", ALICE)
                    .header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> response =
                    HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            body = response.body();
            Thread.ofVirtual().start(this::read);
            // A stream that resumes to a final event ends at once; any other one stays subscribed.
            Await.until(
                    "the stream to subscribe", Duration.ofSeconds(10), () -> hub.subscribed(id) || !events.isEmpty());
        }

        private void read() {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                List<String> lines = new ArrayList<>();
                for (String line; (line = reader.readLine()) != null; ) {
                    if (!line.isEmpty()) {
                        lines.add(line);
                    } else if (!lines.isEmpty()) {
                        events.add(new WireEvent(List.copyOf(lines)));
                        lines.clear();
                    }
                }
            } catch (IOException e) {
                // the test closed the stream
            } finally {
                ended = true;
            }
        }

        WireEvent next() throws InterruptedException {
            WireEvent event = events.poll(10, TimeUnit.SECONDS);
            assertThat(event).as("an event within 10 s").isNotNull();
            return event;
        }

        boolean ended() {
            return ended;
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private void publishRound(String id, int round) {
        bus.publishEvent(JobEvent.round(id, NOW, "w", "a", round, 3, 1, JobKeys.roundImage(id, round, "jpg"), null));
    }

    @Test
    void everyEventHasAnIdAndATypeAndNoContentTypeLine() throws Exception {
        String id = submitted(ALICE);
        try (Stream stream = new Stream(id, null)) {
            WireEvent state = stream.next();
            assertThat(state.name()).isEqualTo("state");
            assertThat(state.field("data")).startsWith("{\"type\":\"state\",").contains("\"state\":\"queued\"");

            bus.publishEvent(JobEvent.started(id, NOW, "w", "a", 3, 1, null));
            publishRound(id, 0);
            List<WireEvent> later = List.of(stream.next(), stream.next());
            assertThat(later).extracting(WireEvent::name).containsExactly("started", "round");
            for (WireEvent event : later) {
                assertThat(event.field("id")).matches("0-\\d+");
                assertThat(event.field("data")).contains("\"type\":\"" + event.name() + "\"");
            }
            for (WireEvent event : List.of(state, later.get(0), later.get(1))) {
                assertThat(event.lines()).noneMatch(l -> l.toLowerCase().startsWith("content-type"));
            }
        }
    }

    @Test
    void aDroppedStreamResumesAfterItsLastEventIdWithNothingLostOrRepeated() throws Exception {
        String id = submitted(ALICE);
        String lastSeen;
        try (Stream first = new Stream(id, null)) {
            assertThat(first.next().name()).isEqualTo("state");
            bus.publishEvent(JobEvent.started(id, NOW, "w", "a", 3, 1, null));
            publishRound(id, 0);
            assertThat(first.next().name()).isEqualTo("started");
            WireEvent round0 = first.next();
            assertThat(round0.field("data")).contains("\"round\":0");
            lastSeen = round0.field("id");
        }
        Await.until("the dropped stream to unsubscribe", Duration.ofSeconds(10), () -> !hub.subscribed(id));

        publishRound(id, 1);
        bus.publishEvent(JobEvent.progress(id, NOW, "w", "a", 2, 0, 3, 1));
        try (Stream resumed = new Stream(id, lastSeen)) {
            WireEvent round1 = resumed.next();
            assertThat(round1.name()).as("no state first: the stream resumes").isEqualTo("round");
            assertThat(round1.field("data")).contains("\"round\":1");
            publishRound(id, 2);
            bus.publishEvent(JobEvent.finished(EventType.SUCCEEDED, id, NOW, "w", "a", 3, null, null));
            WireEvent round2 = resumed.next();
            assertThat(round2.field("data")).contains("\"round\":2");
            assertThat(resumed.next().name()).isEqualTo("succeeded");
            Await.until("the stream to end after the final event", Duration.ofSeconds(10), resumed::ended);
        }
    }

    @Test
    void aJobThatEndedWhileTheClientWasAwayIsReplayedToItsEnd() throws Exception {
        String id = submitted(ALICE);
        String lastSeen;
        try (Stream first = new Stream(id, null)) {
            first.next();
            bus.publishEvent(JobEvent.started(id, NOW, "w", "a", 1, 1, null));
            lastSeen = first.next().field("id");
        }
        publishRound(id, 0);
        bus.publishEvent(JobEvent.finished(EventType.SUCCEEDED, id, NOW, "w", "a", 1, null, null));
        try (Stream resumed = new Stream(id, lastSeen)) {
            assertThat(List.of(resumed.next().name(), resumed.next().name())).containsExactly("round", "succeeded");
            Await.until("the stream to end", Duration.ofSeconds(10), resumed::ended);
        }
    }

    @Test
    void anIdItCannotResumeFromStartsWithTheState() throws Exception {
        String id = submitted(ALICE);
        for (String lastEventId : List.of("bogus", "0-999999999", "7-3")) {
            try (Stream stream = new Stream(id, lastEventId)) {
                assertThat(stream.next().name()).as(lastEventId).isEqualTo("state");
            }
            Await.until("the stream to unsubscribe", Duration.ofSeconds(10), () -> !hub.subscribed(id));
        }
    }
}
