package dev.nightmare.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client of the gateway's {@code GET /v1/nightmares/{id}/events}: reads the server-sent events on
 * its own thread into a queue, so a test can wait for the next one, or for one that matches.
 */
final class SseStream implements AutoCloseable {
    /** One event: its SSE name and its JSON data. */
    record Event(String name, JsonNode data) {
        boolean isFinal() {
            String state = name.equals("state") ? data.path("state").asText() : name;
            return FINAL.contains(state);
        }

        Integer round() {
            return data.hasNonNull("round") ? data.get("round").asInt() : null;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Event END = new Event("<end>", null);
    private static final Set<String> FINAL = Set.of("succeeded", "failed", "canceled");

    private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final List<Event> seen = new ArrayList<>();
    private final Thread reader;
    private volatile InputStream body;

    SseStream(HttpClient http, String gateway, String apiKey, String jobId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + "/v1/nightmares/" + jobId + "/events"))
                .header("Authorization", "Bearer " + apiKey)
                .header("Accept", "text/event-stream")
                .build();
        reader = Thread.ofPlatform().daemon().name("sse-" + jobId).start(() -> read(http, request));
    }

    private void read(HttpClient http, HttpRequest request) {
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            body = response.body();
            if (response.statusCode() != 200) {
                throw new IllegalStateException("SSE answered " + response.statusCode() + ": "
                        + new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            String name = "message";
            StringBuilder data = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        queue.add(new Event(name, JSON.readTree(data.toString())));
                    }
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            queue.add(new Event("<error>", JSON.getNodeFactory().textNode(e.toString())));
        } finally {
            queue.add(END);
        }
    }

    /** The next event; fails if the stream ends or nothing comes within {@code timeout}. */
    Event next(Duration timeout) throws InterruptedException {
        Event event = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new AssertionError("no event within " + timeout + "; seen " + seen);
        }
        if (event == END) {
            queue.add(END);
            throw new AssertionError("the stream ended; seen " + seen);
        }
        if (event.name().equals("<error>")) {
            throw new AssertionError("the stream failed: " + event.data().asText());
        }
        seen.add(event);
        return event;
    }

    /** Skips events until one matches. */
    Event await(Predicate<Event> wanted, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(1, until - System.nanoTime()));
            Event event = next(left);
            if (wanted.test(event)) {
                return event;
            }
        }
    }

    /**
     * Reads up to and including the job's final event (succeeded, failed, canceled, or a first
     * {@code state} that is already final); returns every event read so far.
     */
    List<Event> untilFinal(Duration timeout) throws InterruptedException {
        await(Event::isFinal, timeout);
        return List.copyOf(seen);
    }

    List<String> names() {
        return seen.stream().map(Event::name).toList();
    }

    @Override
    public void close() {
        InputStream in = body;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // Closing a finished or broken stream.
            }
        }
        reader.interrupt();
    }
}
