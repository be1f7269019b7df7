package dev.nightmare.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/** The gateway's public API as a client uses it: submit, status, rounds, cancel, events. */
final class GatewayClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** No request of a test may hang: each gets an answer or fails within this. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final String apiKey;

    GatewayClient(String url, String apiKey) {
        this.url = url;
        this.apiKey = apiKey;
    }

    /** {@code POST /v1/nightmares} (multipart); returns the job's id. */
    String submit(byte[] png, String options) throws IOException, InterruptedException {
        HttpResponse<String> response = trySubmit(png, options);
        if (response.statusCode() != 202) {
            throw new AssertionError("submit answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body()).get("id").asText();
    }

    /** {@code POST /v1/nightmares} (multipart) whatever the answer; bounded by {@link #TIMEOUT}. */
    HttpResponse<String> trySubmit(byte[] image, String options) throws IOException, InterruptedException {
        return trySubmit(image, "input.png", "image/png", options);
    }

    /** Like {@link #trySubmit(byte[], String)} with the part's file name and content type as given. */
    HttpResponse<String> trySubmit(byte[] image, String fileName, String contentType, String options)
            throws IOException, InterruptedException {
        String boundary = "----e2e" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "image\"; filename=\"" + fileName, contentType, image);
        part(body, boundary, "options", "application/json", options.getBytes(StandardCharsets.UTF_8));
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(
                authorized("/v1/nightmares")
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /v1/nightmares} with a JSON body (image as base64) whatever the answer. */
    HttpResponse<String> trySubmitJson(String json) throws IOException, InterruptedException {
        return http.send(
                authorized("/v1/nightmares")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Any request with this client's key: {@code method} on {@code path} (from the gateway's root). */
    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return http.send(
                authorized(path)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET /v1/nightmares/{id}} whatever the answer. */
    HttpResponse<String> tryJob(String id) throws IOException, InterruptedException {
        return send("GET", "/v1/nightmares/" + id);
    }

    JsonNode job(String id) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(authorized("/v1/nightmares/" + id).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET job answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /**
     * Polls the job until its state is final and returns it; answers other than 200 (a 503 while a
     * dependency is down) are retried until {@code timeout}.
     */
    JsonNode awaitFinal(String id, Duration timeout) throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        String last = "nothing";
        while (System.nanoTime() - until < 0) {
            HttpResponse<String> response = tryJob(id);
            last = response.statusCode() + " " + response.body();
            if (response.statusCode() == 200) {
                JsonNode job = JSON.readTree(response.body());
                String state = job.path("state").asText();
                if (state.equals("succeeded") || state.equals("failed") || state.equals("canceled")) {
                    return job;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("job " + id + " not final within " + timeout + "; last answer: " + last);
    }

    /** {@code GET /v1/nightmares/{id}/rounds/{n}}: status, content type and bytes. */
    HttpResponse<byte[]> round(String id, int round) throws IOException, InterruptedException {
        return http.send(
                authorized("/v1/nightmares/" + id + "/rounds/" + round).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** {@code GET /v1/nightmares/{id}/video} ({@code options.animate}): status, headers and bytes. */
    HttpResponse<byte[]> video(String id) throws IOException, InterruptedException {
        return http.send(
                authorized("/v1/nightmares/" + id + "/video").build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    void cancel(String id) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                authorized("/v1/nightmares/" + id + "/cancel")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        // 202: recorded; 200: the job had already ended.
        if (response.statusCode() != 202 && response.statusCode() != 200) {
            throw new AssertionError("cancel answered " + response.statusCode() + ": " + response.body());
        }
    }

    SseStream events(String id) {
        return new SseStream(http, url, apiKey, id);
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(URI.create(url + path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + apiKey);
    }

    String url() {
        return url;
    }

    static void part(ByteArrayOutputStream body, String boundary, String name, String type, byte[] bytes)
            throws IOException {
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: "
                        + type + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(bytes);
        body.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }
}
