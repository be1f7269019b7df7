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
import java.util.UUID;

/** The gateway's public API as a client uses it: submit, status, rounds, cancel, events. */
final class GatewayClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String url;
    private final String apiKey;

    GatewayClient(String url, String apiKey) {
        this.url = url;
        this.apiKey = apiKey;
    }

    /** {@code POST /v1/nightmares} (multipart); returns the job's id. */
    String submit(byte[] png, String options) throws IOException, InterruptedException {
        String boundary = "----e2e" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "image\"; filename=\"input.png", "image/png", png);
        part(body, boundary, "options", "application/json", options.getBytes(StandardCharsets.UTF_8));
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url + "/v1/nightmares"))
                        .header("Authorization", "Bearer " + apiKey)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new AssertionError("submit answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body()).get("id").asText();
    }

    JsonNode job(String id) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(authorized("/v1/nightmares/" + id).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET job answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** {@code GET /v1/nightmares/{id}/rounds/{n}}: status, content type and bytes. */
    HttpResponse<byte[]> round(String id, int round) throws IOException, InterruptedException {
        return http.send(
                authorized("/v1/nightmares/" + id + "/rounds/" + round).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    void cancel(String id) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                authorized("/v1/nightmares/" + id + "/cancel")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new AssertionError("cancel answered " + response.statusCode() + ": " + response.body());
        }
    }

    SseStream events(String id) {
        return new SseStream(http, url, apiKey, id);
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + apiKey);
    }

    private static void part(ByteArrayOutputStream body, String boundary, String name, String type, byte[] bytes)
            throws IOException {
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: "
                        + type + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(bytes);
        body.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }
}
