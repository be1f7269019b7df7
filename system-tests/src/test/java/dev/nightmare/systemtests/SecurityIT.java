package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.engine.testing.Shared;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Security checks against the real system ({@link SharedSystem}): every API route (enumerated from
 * the OpenAPI document) refuses a missing or wrong key; only health, metrics, the API docs and the
 * page are open; one key cannot read, stream, cancel or delete another's job, and ids are
 * unguessable; model uploads need the model-store's admin credential; presigned URLs expire and a
 * tampered one is refused by S3; no client-supplied URL is fetched (images, webhooks off the
 * allow-list, redirects); responses carry their content type and no-sniff.
 */
@ExtendWith(SharedSystem.class)
class SecurityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUICK = "{\"model\":\"tiny\",\"layer\":4,\"rounds\":2,\"iters\":1,\"octaves\":1,"
            + "\"format\":\"png\",\"seed\":3}";

    private static TestSystem system;
    private static GatewayClient alice;
    private static GatewayClient bob;
    private static byte[] png;
    /** Alice's finished job with two stored rounds. */
    private static String alicesJob;

    private static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void aliceHasAFinishedJob() throws Exception {
        system = SharedSystem.get();
        alice = system.api("alice");
        bob = system.api("bob");
        png = HostileImages.noisePng(64, 48, 9);
        alicesJob = alice.submit(png, QUICK);
        assertThat(alice.awaitFinal(alicesJob, Duration.ofSeconds(120))
                        .path("state")
                        .asText())
                .isEqualTo("succeeded");
    }

    @AfterAll
    static void nothing() {
        // The shared system is stopped at the end of the run.
    }

    @Test
    void everyApiRouteRefusesAMissingOrWrongKey() throws Exception {
        JsonNode paths =
                JSON.readTree(get("/q/openapi?format=json", null).body()).path("paths");
        List<String> routes = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : paths.properties()) {
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase();
                // Share links (/shared/…) are open by design: signed and expiring instead of keyed.
                if (List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD").contains(method)
                        && path.getKey().startsWith("/v1/")) {
                    routes.add(method + " " + path.getKey());
                }
            }
        }
        assertThat(routes)
                .as("the OpenAPI document lists the API")
                .contains(
                        "POST /v1/nightmares",
                        "GET /v1/nightmares",
                        "GET /v1/nightmares/{id}",
                        "GET /v1/nightmares/{id}/events",
                        "GET /v1/nightmares/{id}/rounds/{round}",
                        "POST /v1/nightmares/{id}/cancel",
                        "DELETE /v1/nightmares/{id}",
                        "GET /v1/models",
                        "GET /v1/models/{name}");
        List<String> presented = List.of(
                "", // no Authorization header
                "Bearer wrong-key-0123456789",
                "Bearer ",
                "Basic " + Base64.getEncoder().encodeToString(("alice:" + system.apiKey("alice")).getBytes()),
                system.apiKey("alice"), // the key without its scheme
                "Bearer " + system.apiKey("alice").substring(1));
        for (String route : routes) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1)
                    .replace("{id}", alicesJob)
                    .replace("{round}", "0")
                    .replace("{name}", "tiny");
            for (String authorization : presented) {
                HttpResponse<String> response = send(method, path, authorization.isEmpty() ? null : authorization);
                assertThat(response.statusCode())
                        .as("%s with Authorization '%s'", route, authorization)
                        .isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"nightmare\"");
            }
        }
        // Spellings of a path that must not slip past the filter.
        for (String path : List.of(
                "//v1/models",
                "/v1//models",
                "/v1/./models",
                "/v1/models/../models",
                "/v1/%2e/models",
                "/%76%31/models",
                "/V1/models",
                "/v1/models;x=1",
                "/v1/models/",
                "/v1")) {
            HttpResponse<String> response = send("GET", path, null);
            assertThat(response.statusCode())
                    .as("GET %s without a key: %s", path, response.body())
                    .isIn(400, 401, 404);
            assertThat(response.body()).as(path).doesNotContain("\"sha256\"");
        }
        System.out.printf("auth: %d routes × %d wrong credentials refused with 401%n", routes.size(), presented.size());
    }

    @Test
    void onlyHealthMetricsTheApiDocsAndThePageAreOpen() throws Exception {
        for (String open : List.of("/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi", "/")) {
            assertThat(get(open, null).statusCode()).as(open).isEqualTo(200);
        }
        assertThat(get("/q/metrics", null).body())
                .as("metrics carry no API key")
                .doesNotContain(system.apiKey("alice"))
                .doesNotContain(system.apiKey("bob"));
    }

    @Test
    void oneKeyCannotReadStreamCancelOrDeleteAnothersJob() throws Exception {
        String unknown = "0123456789abcdef0123456789abcdef";
        for (String[] request : List.of(
                new String[] {"GET", "/v1/nightmares/%s"},
                new String[] {"GET", "/v1/nightmares/%s/events"},
                new String[] {"GET", "/v1/nightmares/%s/rounds/0"},
                new String[] {"GET", "/v1/nightmares/%s/rounds/0?presigned=true"},
                new String[] {"POST", "/v1/nightmares/%s/cancel"},
                new String[] {"DELETE", "/v1/nightmares/%s"})) {
            HttpResponse<String> theirs = bob.send(request[0], request[1].formatted(alicesJob));
            HttpResponse<String> missing = bob.send(request[0], request[1].formatted(unknown));
            assertThat(theirs.statusCode())
                    .as("bob: %s %s", request[0], request[1])
                    .isEqualTo(404);
            assertThat(theirs.body().replace(alicesJob, "ID"))
                    .as("another key's job reads exactly like a missing one")
                    .isEqualTo(missing.body().replace(unknown, "ID"));
        }
        assertThat(bob.send("GET", "/v1/nightmares?limit=100").body()).doesNotContain(alicesJob);

        // Alice's job is untouched: no cancel marker, still there, rounds readable.
        assertThat(system.object(JobKeys.cancel(alicesJob))).isEmpty();
        JsonNode job = alice.job(alicesJob);
        assertThat(job.path("state").asText()).isEqualTo("succeeded");
        assertThat(job.path("cancelRequested").asBoolean()).isFalse();
        assertThat(alice.round(alicesJob, 1).statusCode()).isEqualTo(200);
    }

    @Test
    void idempotencyKeysAndJobIdsGiveNoWayIntoAnothersJob() throws Exception {
        String key = "shared-key-" + UUID.randomUUID();
        String alices = JSON.readTree(submitWithIdempotencyKey(alice, key).body())
                .get("id")
                .asText();
        String bobs = JSON.readTree(submitWithIdempotencyKey(bob, key).body())
                .get("id")
                .asText();
        assertThat(bobs)
                .as("the same Idempotency-Key names another job per key")
                .isNotEqualTo(alices);
        assertThat(submitWithIdempotencyKey(alice, key).headers().firstValue("Idempotent-Replayed"))
                .hasValue("true");

        Set<String> ids = new HashSet<>(List.of(alices, bobs, alicesJob));
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> response = alice.trySubmit(png, QUICK);
            assertThat(response.statusCode()).isEqualTo(202);
            ids.add(JSON.readTree(response.body()).get("id").asText());
        }
        assertThat(ids).hasSize(11).allSatisfy(id -> assertThat(id).matches("[0-9a-f]{32}"));
        for (String bad : List.of(
                alicesJob.toUpperCase(),
                alicesJob.substring(1),
                alicesJob + "0",
                "..%2f..%2fowners",
                "%2e%2e",
                "00000000000000000000000000000000")) {
            assertThat(alice.send("GET", "/v1/nightmares/" + bad).statusCode())
                    .as("GET /v1/nightmares/%s", bad)
                    .isEqualTo(404);
        }
        ids.remove(alicesJob);
        for (String id : ids) {
            (id.equals(bobs) ? bob : alice).send("DELETE", "/v1/nightmares/" + id);
        }
    }

    @Test
    void deletingARunningJobFreesItsWorkerAtOnce() throws Exception {
        // One round of 100000 iterations: minutes of work, unless its deletion stops it. (Otherwise a
        // key could submit, delete and submit again, keeping every worker busy past its job limit.)
        String id = alice.submit(png, "{\"model\":\"tiny\",\"layer\":4,\"rounds\":1,\"iters\":100000,\"octaves\":1}");
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (system.statusIfAny(id).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        String worker = system.status(id).workerId();
        long deleted = System.nanoTime();
        assertThat(alice.send("DELETE", "/v1/nightmares/" + id).statusCode()).isEqualTo(204);
        // "job <id>: … the job was deleted …; stopping without further writes" at the next cancel
        // check (request.json gone) or ownership check; or "canceled after" when the worker saw
        // DELETE's cancel marker while status.json was still there (DELETE writes the marker, then
        // removes the job's objects) — either way it stops, and nothing of the job is left below.
        Pattern stopped = Pattern.compile("job " + id + ": ([^\n]*the job was deleted|canceled after)");
        until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!stopped.matcher(system.worker(worker).log()).find() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        long stoppedMillis = Duration.ofNanos(System.nanoTime() - deleted).toMillis();
        assertThat(system.worker(worker).log())
                .as("the worker stops the deleted job")
                .containsPattern(stopped);
        Thread.sleep(1000);
        try (var left = Files.list(system.objectFile("jobs"))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("nothing of the deleted job is written back")
                    .doesNotContain(id);
        }
        System.out.printf("deleted running job: its worker stopped within %d ms%n", stoppedMillis);
    }

    @Test
    void modelUploadsNeedTheModelStoresAdminToken() throws Exception {
        byte[] cfg = Files.readAllBytes(Shared.models().resolve("tiny.cfg"));
        byte[] weights = Files.readAllBytes(Shared.models().resolve("tiny.weights"));
        String name = "tiny-upload-" + System.nanoTime() % 100000;
        Map<String, Integer> expected = new java.util.LinkedHashMap<>();
        expected.put("", 401);
        expected.put("Bearer not-a-token-0123456789", 401);
        expected.put("Bearer " + TestSystem.SERVICE_TOKEN, 403);
        expected.put("Bearer " + TestSystem.ADMIN_TOKEN, 201);
        for (Map.Entry<String, Integer> attempt : expected.entrySet()) {
            HttpResponse<String> response = uploadModel(name, cfg, weights, attempt.getKey());
            assertThat(response.statusCode())
                    .as("PUT /v1/models/%s with '%s': %s", name, attempt.getKey(), response.body())
                    .isEqualTo(attempt.getValue());
        }
        // The gateway offers no upload at all; reads of the model-store need a token too.
        assertThat(alice.send("PUT", "/v1/models/" + name).statusCode()).isIn(404, 405);
        assertThat(send(system.modelStore().url(), "GET", "/v1/models", null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void presignedUrlsExpireAndTamperedOnesAreRefused() throws Exception {
        HttpResponse<String> presigned = alice.send("GET", "/v1/nightmares/" + alicesJob + "/rounds/0?presigned=true");
        assertThat(presigned.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(presigned.body());
        assertThat(body.path("expiresInSeconds").asInt()).isEqualTo(SharedSystem.PRESIGN_SECONDS);
        String url = body.path("url").asText();
        byte[] round = alice.round(alicesJob, 0).body();

        HttpResponse<byte[]> fresh =
                http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(fresh.body()).isEqualTo(round);

        String signature = url.replaceAll(".*X-Amz-Signature=([0-9a-f]+).*", "$1");
        String flipped = (signature.charAt(0) == '0' ? "1" : "0") + signature.substring(1);
        List<String> tampered = List.of(
                url.replace(signature, flipped),
                url.replace("round-000000", "round-000001"),
                url.replace("X-Amz-Expires=" + SharedSystem.PRESIGN_SECONDS, "X-Amz-Expires=604800"),
                url.replaceAll("&X-Amz-Signature=[0-9a-f]+", ""));
        for (String forged : tampered) {
            int status = http.send(
                            HttpRequest.newBuilder(URI.create(forged)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            assertThat(status).as("tampered: %s", forged).isEqualTo(403);
        }

        Thread.sleep((SharedSystem.PRESIGN_SECONDS + 2) * 1000L);
        HttpResponse<String> expired =
                http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.printf(
                "presigned URL after %d s: %d %s%n",
                SharedSystem.PRESIGN_SECONDS + 2,
                expired.statusCode(),
                expired.body().replaceAll("\\s+", " "));
        assertThat(expired.statusCode()).as("expired: %s", expired.body()).isEqualTo(403);
    }

    @Test
    void shareLinksWorkWithoutTheKeyAndOnlyAsSigned() throws Exception {
        JsonNode job =
                JSON.readTree(alice.send("GET", "/v1/nightmares/" + alicesJob).body());
        String share = job.at("/rounds/1/shareUrl").asText();
        assertThat(share).startsWith(SharedSystem.SHARE_BASE + "/shared/" + alicesJob + "/rounds/1?expires=");
        assertThat(Instant.parse(job.at("/rounds/1/shareExpiresAt").asText()))
                .isAfter(Instant.now().plus(Duration.ofHours(23)));
        // The public base is the chat user's view of this gateway: the same path here.
        String path = share.substring(SharedSystem.SHARE_BASE.length());
        HttpResponse<byte[]> image = http.send(
                HttpRequest.newBuilder(URI.create(system.gateway().url() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.body()).isEqualTo(alice.round(alicesJob, 1).body());
        assertThat(image.headers().firstValue("Content-Disposition").orElse(""))
                .contains("nightmare-" + alicesJob + "-round-1.png");

        String signature = path.replaceAll(".*sig=", "");
        String flipped = (signature.charAt(0) == 'A' ? "B" : "A") + signature.substring(1);
        List<String> forged = List.of(
                path.replace("sig=" + signature, "sig=" + flipped),
                path.replace("/rounds/1?", "/rounds/0?"),
                path.replaceAll("expires=[0-9]+", "expires=9999999999"),
                path.replaceAll("&sig=.*", ""),
                path.replace(alicesJob, alicesJob.substring(1) + "0"));
        for (String link : forged) {
            HttpResponse<String> refused = http.send(
                    HttpRequest.newBuilder(URI.create(system.gateway().url() + link))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as("forged: %s", link).isEqualTo(403);
            assertThat(refused.body()).contains("\"status\":403");
        }
    }

    @Test
    void clientSuppliedUrlsAreNeverFetched() throws Exception {
        try (Trap trap = new Trap()) {
            String target = "http://127.0.0.1:" + trap.port();
            List<HttpResponse<String>> refused = new ArrayList<>();
            // An image given as a URL, in every way a client might try.
            refused.add(alice.trySubmitJson("{\"image\":\"" + target + "/x.png\",\"options\":" + QUICK + "}"));
            refused.add(alice.trySubmitJson("{\"image\":\""
                    + Base64.getEncoder().encodeToString((target + "/x.png").getBytes()) + "\",\"options\":" + QUICK
                    + "}"));
            refused.add(alice.trySubmitJson("{\"imageUrl\":\"" + target + "/x.png\",\"options\":" + QUICK + "}"));
            refused.add(alice.trySubmit((target + "/x.png").getBytes(), "x.png", "text/uri-list", QUICK));
            refused.add(alice.trySubmit(png, QUICK.replace("}", ",\"url\":\"" + target + "/x.png\"}")));
            // Webhooks off the allow-list (only 127.0.0.1:HOOK_PORT is on it).
            for (String callback : List.of(
                    target + "/hook",
                    "http://localhost:" + SharedSystem.HOOK_PORT + "/hook",
                    "http://127.0.0.1:" + SharedSystem.HOOK_PORT + "@127.0.0.1:" + trap.port() + "/hook",
                    "http://2130706433:" + SharedSystem.HOOK_PORT + "/hook",
                    "http://[::1]:" + SharedSystem.HOOK_PORT + "/hook",
                    "http://127.0.0.1/hook",
                    "file:///etc/passwd",
                    "gopher://127.0.0.1:" + SharedSystem.HOOK_PORT + "/_x")) {
                HttpResponse<String> response = alice.trySubmitJson("{\"image\":\""
                        + Base64.getEncoder().encodeToString(png) + "\",\"options\":" + QUICK + ",\"callbackUrl\":\""
                        + callback + "\"}");
                assertThat(response.statusCode())
                        .as("callbackUrl %s: %s", callback, response.body())
                        .isEqualTo(422);
                assertThat(response.body()).contains("callbackUrl");
            }
            for (HttpResponse<String> response : refused) {
                assertThat(response.statusCode()).as(response.body()).isIn(400, 415, 422);
            }

            // An allowed webhook that redirects elsewhere: the redirect is not followed.
            List<String> hooks = new CopyOnWriteArrayList<>();
            HttpServer hook = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), SharedSystem.HOOK_PORT), 0);
            hook.createContext("/", exchange -> {
                hooks.add(exchange.getRequestHeaders().getFirst("Nightmare-Event") + " "
                        + exchange.getRequestHeaders().getFirst("Nightmare-Signature"));
                exchange.getResponseHeaders().add("Location", target + "/stolen");
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
            });
            hook.start();
            try {
                HttpResponse<String> accepted = alice.trySubmitJson("{\"image\":\""
                        + Base64.getEncoder().encodeToString(png) + "\",\"options\":" + QUICK
                        + ",\"callbackUrl\":\"http://127.0.0.1:" + SharedSystem.HOOK_PORT + "/hook\"}");
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                String id = JSON.readTree(accepted.body()).get("id").asText();
                alice.awaitFinal(id, Duration.ofSeconds(120));
                long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (hooks.stream().noneMatch(h -> h.startsWith("succeeded")) && System.nanoTime() < until) {
                    Thread.sleep(100);
                }
                Thread.sleep(1000);
            } finally {
                hook.stop(0);
            }
            assertThat(hooks)
                    .as("webhook deliveries")
                    .anySatisfy(h -> assertThat(h).startsWith("succeeded t="));
            assertThat(trap.connections())
                    .as("connections the gateway made to client-supplied addresses")
                    .isZero();
        }
    }

    @Test
    void responsesCarryTheirContentTypeAndNoSniff() throws Exception {
        String key = "Bearer " + system.apiKey("alice");
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("/v1/models", "application/json");
        expected.put("/v1/nightmares/" + alicesJob, "application/json");
        expected.put("/v1/nightmares/" + alicesJob + "/rounds/0", "image/png");
        expected.put("/v1/nightmares/0123456789abcdef0123456789abcdef", "application/json");
        expected.put("/", "text/html");
        expected.put("/q/openapi", "application/yaml");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            HttpResponse<String> response = get(e.getKey(), key);
            assertThat(response.headers().firstValue("Content-Type").orElse(""))
                    .as(e.getKey())
                    .startsWith(e.getValue());
            assertSafeHeaders(e.getKey(), response);
        }
        HttpResponse<String> unauthorized = get("/v1/models", null);
        assertThat(unauthorized.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertSafeHeaders("401", unauthorized);
        assertThat(get("/", null)
                        .headers()
                        .firstValue("Content-Security-Policy")
                        .orElse(""))
                .contains("default-src 'self'")
                .contains("frame-ancestors 'none'");

        HttpResponse<String> sse = http.send(
                HttpRequest.newBuilder(URI.create(system.gateway().url() + "/v1/nightmares/" + alicesJob + "/events"))
                        .header("Authorization", key)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(sse.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        assertSafeHeaders("SSE", sse);

        // A broken multipart body: a plain error, no stack trace or class names.
        HttpResponse<String> broken = http.send(
                HttpRequest.newBuilder(URI.create(system.gateway().url() + "/v1/nightmares"))
                        .header("Authorization", key)
                        .header("Content-Type", "multipart/form-data; boundary=nothing")
                        .POST(HttpRequest.BodyPublishers.ofString("--other\r\n\r\ngarbage"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(broken.statusCode()).isBetween(400, 499);
        assertThat(broken.body())
                .doesNotContain("Exception")
                .doesNotContain("\tat ")
                .doesNotContain("dev.nightmare");
        assertSafeHeaders("broken multipart", broken);
    }

    private static void assertSafeHeaders(String what, HttpResponse<?> response) {
        assertThat(response.headers().firstValue("X-Content-Type-Options"))
                .as(what)
                .hasValue("nosniff");
        assertThat(response.headers().firstValue("X-Frame-Options")).as(what).hasValue("DENY");
        assertThat(response.headers().firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
    }

    // --- helpers

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        return send("GET", path, authorization);
    }

    private static HttpResponse<String> send(String method, String path, String authorization) throws Exception {
        return send(system.gateway().url(), method, path, authorization);
    }

    private static HttpResponse<String> send(String base, String method, String path, String authorization)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        method.equals("POST") || method.equals("PUT")
                                ? HttpRequest.BodyPublishers.ofString("{}")
                                : HttpRequest.BodyPublishers.noBody());
        if (method.equals("POST") || method.equals("PUT")) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> submitWithIdempotencyKey(GatewayClient client, String key) throws Exception {
        String boundary = "----sec" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        GatewayClient.part(body, boundary, "image\"; filename=\"input.png", "image/png", png);
        GatewayClient.part(body, boundary, "options", "application/json", QUICK.getBytes(StandardCharsets.UTF_8));
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(client.url() + "/v1/nightmares"))
                        .header("Authorization", "Bearer " + system.apiKey(client == alice ? "alice" : "bob"))
                        .header("Idempotency-Key", key)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response;
    }

    private static HttpResponse<String> uploadModel(String name, byte[] cfg, byte[] weights, String authorization)
            throws Exception {
        String boundary = "----model" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        GatewayClient.part(body, boundary, "cfg\"; filename=\"" + name + ".cfg", "text/plain", cfg);
        GatewayClient.part(
                body, boundary, "weights\"; filename=\"" + name + ".weights", "application/octet-stream", weights);
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(system.modelStore().url() + "/v1/models/" + name))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (!authorization.isEmpty()) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A listener on a free loopback port that counts the connections anyone makes to it. */
    private static final class Trap implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger connections = new AtomicInteger();
        private final Thread acceptor;

        Trap() throws IOException {
            acceptor = Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket connection = socket.accept();
                        connections.incrementAndGet();
                        connection.close();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            acceptor.interrupt();
        }
    }
}
