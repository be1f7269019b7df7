package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A chat-bot fleet's traffic against the real servers: bursts of submissions from two API keys —
 * fourteen image sizes from 9×7 to 12 megapixels, a 2048-pixel poster the admission rule still
 * allows whole and a 2800-pixel one it allows only in exact tiles (tiny with the exact batch-norm
 * gradient), odd, portrait and landscape, in nine kinds of PNG and JPEG (RGB, grey, palette, alpha,
 * 16-bit; baseline, progressive, grey, CMYK), on Tiny Darknet and vgg-conv — with every kind of
 * malformed input mixed in, status reads, lists, round downloads and event streams, cancels and
 * deletes of running jobs; and between the bursts, silence longer than every idle timeout in the
 * path:
 *
 * <ul>
 *   <li>s3proxy's Jetty closes connections idle for 30 s (not configurable);
 *   <li>each service's S3 pool drops its own idle connections after 10 s ({@code
 *       S3Clients.POOLED_CONNECTION_IDLE});
 *   <li>Kafka closes connections idle for {@code connections.max.idle.ms} (broker 10 min, clients 9
 *       min by default; this run's broker: 15 s);
 *   <li>the model-store's HTTP server closes idle connections after {@code quarkus.http.idle-timeout}
 *       (30 min by default; this run: 10 s), which the gateway's and the workers' clients reuse;
 *   <li>the gateway closes a client's idle connection after 30 s.
 * </ul>
 *
 * <p>The CI run shortens the two configurable ones and waits 35 s between three bursts (about three
 * minutes). {@code -Dnightmare.workload.long=true} keeps every default and waits minutes between
 * bursts (over half an hour; docs/reliability.md has its figures).
 *
 * <p>It asserts that no valid request got a 5xx (or no answer); that every accepted job reached a
 * final state with every round readable (cancelled ones excepted) and deleted ones are gone; that
 * each key lists exactly its accepted jobs, so no job exists for a request that was refused; that
 * every malformed input got its documented 4xx in the JSON error format; and that the gateway's
 * and the model-store's memory stayed under their stated bounds (1 GiB and 768 MiB of RSS).
 */
class WorkloadIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean LONG = Boolean.getBoolean("nightmare.workload.long");
    /** Silence between bursts: longer than every idle timeout in the path (see the class comment). */
    private static final List<Duration> GAPS = LONG
            ? List.of(
                    Duration.ofMinutes(2),
                    Duration.ofMinutes(11),
                    Duration.ofMinutes(4),
                    Duration.ofMinutes(11),
                    Duration.ofMinutes(3))
            : List.of(Duration.ofSeconds(35), Duration.ofSeconds(35));

    private static final long GATEWAY_RSS_BOUND = 1L << 30;
    private static final long MODEL_STORE_RSS_BOUND = 768L << 20;
    /** Two bots, and a third key that sends only malformed requests. */
    private static final Map<String, String> KEYS =
            Map.of("alice", "alice-key-0123456789", "bob", "bob-key-0123456789ab");

    private static final String MALLORY = "mallory-key-0123456789";

    /** The gateway's upload limit (its default, 20 MiB): a file past it is refused with 413. */
    private static final long UPLOAD_LIMIT = 20L << 20;

    /** The input sizes of every burst: tiny to the largest input, odd, portrait and landscape. */
    private static final int[][] SIZES = {
        {9, 7}, {17, 31}, {31, 17}, {64, 48}, {101, 77}, {127, 255}, {255, 127},
        {333, 222}, {480, 640}, {640, 480}, {799, 601}, {1024, 768}, {1300, 977}, {4000, 3000}
    };

    private static TestSystem system;
    private static final Map<String, GatewayClient> CLIENTS = new LinkedHashMap<>();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** What the test asked for and got, for the final checks. */
    private static final Map<String, Job> ACCEPTED = new ConcurrentHashMap<>();

    private static final List<String> FAILURES = Collections.synchronizedList(new ArrayList<>());
    private static final List<String> REPORT = Collections.synchronizedList(new ArrayList<>());
    private static final List<long[]> MEMORY = Collections.synchronizedList(new ArrayList<>());

    /** An accepted job: its key, how it should end, and whether it was deleted. */
    private record Job(String id, String key, String what, Ending ending) {}

    private enum Ending {
        SUCCEEDS,
        CANCELED,
        DELETED
    }

    /** A malformed request and the answer it must get. */
    private record Bad(String what, Request request, int status, String field) {}

    @FunctionalInterface
    private interface Request {
        HttpResponse<String> send(GatewayClient client) throws Exception;
    }

    @FunctionalInterface
    private interface Send {
        HttpResponse<String> send() throws Exception;
    }

    @BeforeAll
    static void start() throws Exception {
        TestSystem.Builder builder = TestSystem.builder("workload")
                .worker("nightmare.worker.models", "tiny,vgg-conv")
                .syntheticModel("vgg-conv")
                // The stated memory bounds of docker/ and k8s/, as run-local.sh starts them.
                .serviceJvms(
                        List.of("-Xmx512m", "-XX:MaxMetaspaceSize=160m", "-XX:MaxDirectMemorySize=128m"),
                        List.of("-Xmx256m", "-XX:MaxMetaspaceSize=128m", "-XX:MaxDirectMemorySize=64m"));
        KEYS.forEach(builder::apiKey);
        builder.apiKey("mallory", MALLORY);
        if (!LONG) {
            builder.broker("connections.max.idle.ms", "15000").modelStore("quarkus.http.idle-timeout", "10s");
        }
        system = builder.start();
        KEYS.forEach(
                (id, key) -> CLIENTS.put(id, new GatewayClient(system.gateway().url(), key)));
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void aFleetsMixedTrafficWithIdleGapsLosesNothingAndStaysInBounds() throws Exception {
        Instant began = Instant.now();
        int bursts = GAPS.size() + 1;
        for (int burst = 0; burst < bursts; burst++) {
            burst(burst);
            sampleMemory();
            if (burst < GAPS.size()) {
                // Nothing at all is sent now: every pooled connection in the path goes idle.
                Thread.sleep(GAPS.get(burst).toMillis());
            }
        }
        settle();
        sampleMemory();

        report(began);
        assertThat(FAILURES)
                .as("valid requests that failed, and bad inputs answered wrongly")
                .isEmpty();
        for (long[] sample : MEMORY) {
            assertThat(sample[0]).as("gateway RSS").isLessThan(GATEWAY_RSS_BOUND);
            assertThat(sample[1]).as("model-store RSS").isLessThan(MODEL_STORE_RSS_BOUND);
        }
    }

    // --- one burst

    private void burst(int burst) throws Exception {
        Random random = new Random(burst);
        List<Runnable> work = new ArrayList<>();
        // Valid submissions: every size, a kind per size (rotating with the burst), both keys.
        FieldImages.Kind[] kinds = FieldImages.Kind.values();
        for (int i = 0; i < SIZES.length; i++) {
            int[] size = SIZES[i];
            FieldImages.Kind kind = kinds[(i + burst) % kinds.length];
            String key = i % 2 == 0 ? "alice" : "bob";
            String options = tinyOptions(size, i + burst);
            String what = kind + " " + size[0] + "×" + size[1];
            long seed = 31L * burst + i;
            work.add(() -> {
                byte[] image = FieldImages.make(kind, size[0], size[1], seed);
                if (image.length > UPLOAD_LIMIT) {
                    // Noise in 16 bits at 4000×3000 is ~23 MB: past the upload limit, so not a valid
                    // request (BadInputIT covers 413). The largest size is sent as a JPEG instead.
                    FieldImages.Kind jpeg = FieldImages.Kind.JPEG_BASELINE;
                    submit(key, FieldImages.make(jpeg, size[0], size[1], seed), jpeg, options, what + " as JPEG");
                } else {
                    submit(key, image, kind, options, what);
                }
            });
        }
        work.add(() -> submit(
                "alice",
                FieldImages.make(FieldImages.Kind.PNG_RGB, 2048, 1536, burst),
                FieldImages.Kind.PNG_RGB,
                "{\"model\":\"tiny\",\"layer\":4,\"rounds\":1,\"iters\":1,\"octaves\":1,\"maxSide\":2048}",
                "poster 2048×1536"));
        // A poster past the whole state's memory (tiny layer 10 at 5.9 MP: 3.6 GB whole): with the
        // exact batch-norm gradient the worker runs it in tiles and streams its round out. (Smaller
        // than the 12 MP input above, whose decode takes the gateway's whole decode budget: the two
        // would queue the burst's other large decodes past their wait.)
        work.add(() -> submit(
                "bob",
                FieldImages.make(FieldImages.Kind.JPEG_BASELINE, 2800, 2100, 100 + burst),
                FieldImages.Kind.JPEG_BASELINE,
                "{\"model\":\"tiny\",\"layer\":10,\"rounds\":1,\"iters\":1,\"octaves\":1,\"maxSide\":2800,"
                        + "\"bnGradient\":\"exact\",\"seed\":" + burst + "}",
                "tiled poster 2800×2100"));
        work.add(() -> submit(
                "bob",
                FieldImages.make(FieldImages.Kind.JPEG_BASELINE, 64 + 16 * burst, 48 + 8 * burst, burst),
                FieldImages.Kind.JPEG_BASELINE,
                "{\"model\":\"vgg-conv\",\"layer\":6,\"rounds\":1,\"iters\":1,\"octaves\":1}",
                "vgg-conv"));
        for (Bad bad : badInputs(burst)) {
            work.add(() -> expectRefusal(bad));
        }
        Collections.shuffle(work, random);
        try (ExecutorService clients = Executors.newFixedThreadPool(6)) {
            List<Future<?>> done = new ArrayList<>();
            for (Runnable w : work) {
                done.add(clients.submit(w));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        // A job canceled and one deleted while they run, then reads of what exists.
        cancelWhileRunning(burst % 2 == 0 ? "alice" : "bob", burst);
        deleteWhileRunning(burst % 2 == 0 ? "bob" : "alice", burst);
        readEverything(burst);
    }

    private static String tinyOptions(int[] size, int salt) {
        int shorter = Math.min(size[0], size[1]);
        int layer = shorter < 16 ? 1 : shorter < 64 ? 3 : 10;
        int octaves = shorter < 64 ? 1 : 2;
        return "{\"model\":\"tiny\",\"layer\":" + layer + ",\"rounds\":" + (1 + salt % 2) + ",\"iters\":1,\"octaves\":"
                + octaves + ",\"format\":\"" + (salt % 3 == 0 ? "png" : "jpg") + "\",\"seed\":" + salt + "}";
    }

    private void submit(String key, byte[] image, FieldImages.Kind kind, String options, String what) {
        try {
            HttpResponse<String> response = withRetryAfter(
                    () -> CLIENTS.get(key).trySubmit(image, "in." + kind.extension, kind.mediaType, options));
            if (response.statusCode() != 202) {
                FAILURES.add("valid " + what + " (" + key + "): " + response.statusCode() + " " + response.body());
                return;
            }
            String id = JSON.readTree(response.body()).get("id").asText();
            ACCEPTED.put(id, new Job(id, key, what, Ending.SUCCEEDS));
        } catch (Exception e) {
            FAILURES.add("valid " + what + " (" + key + "): no answer: " + e);
        }
    }

    /** A client that honours 429 and 503's Retry-After, as a well-behaved bot does. */
    private static HttpResponse<String> withRetryAfter(Send send) throws Exception {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = send.send();
            boolean retry = response.statusCode() == 429 && attempt < 8;
            if (!retry) {
                return response;
            }
            long seconds = response.headers()
                    .firstValue("Retry-After")
                    .map(Long::parseLong)
                    .orElse(2L);
            Thread.sleep(Math.min(10, seconds) * 1000);
        }
    }

    private void expectRefusal(Bad bad) {
        try {
            GatewayClient mallory = new GatewayClient(system.gateway().url(), MALLORY);
            HttpResponse<String> response = withRetryAfter(() -> bad.request().send(mallory));
            String body = response.body();
            boolean ok = response.statusCode() == bad.status();
            if (ok && bad.status() != 401) {
                JsonNode error = JSON.readTree(body);
                ok = error.path("status").asInt() == bad.status()
                        && !error.path("title").asText().isBlank()
                        && !body.contains("Exception")
                        && (bad.field() == null
                                || error.path("errors")
                                        .findValuesAsText("field")
                                        .contains(bad.field()));
            }
            if (!ok) {
                FAILURES.add("bad input " + bad.what() + ": expected " + bad.status() + " on " + bad.field() + ", got "
                        + response.statusCode() + " " + truncate(body));
            }
        } catch (Exception e) {
            FAILURES.add("bad input " + bad.what() + ": no answer: " + e);
        }
    }

    /** Every kind of malformed input, each with the answer the API documents. */
    private static List<Bad> badInputs(int burst) {
        byte[] png = FieldImages.make(FieldImages.Kind.PNG_RGB, 40, 30, burst);
        byte[] jpeg = FieldImages.make(FieldImages.Kind.JPEG_BASELINE, 40, 30, burst);
        String ok = "{\"model\":\"tiny\",\"layer\":3,\"iters\":1,\"octaves\":1}";
        List<Bad> bad = new ArrayList<>(List.of(
                new Bad("empty image", c -> c.trySubmit(new byte[0], ok), 422, "image"),
                new Bad("a PNG cut short", c -> c.trySubmit(Arrays.copyOf(png, png.length / 2), ok), 422, "image"),
                new Bad(
                        "a JPEG cut short",
                        c -> c.trySubmit(Arrays.copyOf(jpeg, jpeg.length / 2), "in.jpg", "image/jpeg", ok),
                        422,
                        "image"),
                new Bad("a GIF", c -> c.trySubmit(gif(), "in.gif", "image/gif", ok), 415, "image"),
                new Bad(
                        "text as the image",
                        c -> c.trySubmit("hello".getBytes(StandardCharsets.UTF_8), "in.txt", "text/plain", ok),
                        415,
                        "image"),
                new Bad(
                        "two image parts",
                        c -> multipart(c, List.of(part("image", png), part("image", png), text("options", ok))),
                        400,
                        "image"),
                new Bad(
                        "an unknown option",
                        c -> c.trySubmit(png, "{\"model\":\"tiny\",\"layer\":3,\"colour\":1}"),
                        400,
                        "colour"),
                new Bad("text after the options", c -> c.trySubmit(png, ok + " {}"), 400, "options"),
                new Bad(
                        "a model name that is a path",
                        c -> c.trySubmit(png, "{\"model\":\"../etc\",\"layer\":3}"),
                        422,
                        "model"),
                new Bad("an unknown model", c -> c.trySubmit(png, "{\"model\":\"nope\",\"layer\":3}"), 422, "model"),
                new Bad(
                        "a layer out of range",
                        c -> c.trySubmit(png, "{\"model\":\"tiny\",\"layer\":99}"),
                        422,
                        "layer"),
                new Bad(
                        "a header claiming 50000×50000",
                        c -> c.trySubmit(HostileImages.pngClaiming(50_000, 50_000), ok),
                        422,
                        "image"),
                new Bad(
                        "an unknown batch-norm gradient",
                        c -> c.trySubmit(png, "{\"model\":\"tiny\",\"layer\":3,\"bnGradient\":\"approximate\"}"),
                        422,
                        "bnGradient"),
                new Bad(
                        "work over the budget",
                        c -> c.trySubmit(png, "{\"model\":\"tiny\",\"layer\":3,\"rounds\":100000,\"iters\":100000}"),
                        422,
                        "iters"),
                new Bad(
                        "a callbackUrl that is an object",
                        c -> c.trySubmitJson(
                                "{\"image\":\"" + Base64.getEncoder().encodeToString(png) + "\",\"options\":" + ok
                                        + ",\"callbackUrl\":{}}"),
                        400,
                        "callbackUrl"),
                new Bad("a body that is not JSON", c -> c.trySubmitJson("{\"image\":"), 400, null),
                new Bad(
                        "a wrong API key",
                        c -> new GatewayClient(c.url(), "not-a-key-000000000").trySubmit(png, ok),
                        401,
                        null),
                new Bad("an unknown path", c -> c.send("GET", "/v1/nothing"), 404, null),
                new Bad("a limit that is not a number", c -> c.send("GET", "/v1/nightmares?limit=abc"), 400, "limit")));
        if (burst == 0) {
            bad.add(new Bad("an image over the upload limit", c -> c.trySubmit(new byte[21 << 20], ok), 413, "image"));
        }
        return bad;
    }

    private void cancelWhileRunning(String key, int burst) throws Exception {
        String id = longJob(key, burst, "canceled mid-job");
        if (id == null) {
            return;
        }
        awaitRunning(key, id);
        HttpResponse<String> cancel = CLIENTS.get(key).send("POST", "/v1/nightmares/" + id + "/cancel");
        checkValid("cancel", cancel);
        ACCEPTED.put(id, new Job(id, key, "canceled mid-job", Ending.CANCELED));
    }

    private void deleteWhileRunning(String key, int burst) throws Exception {
        String id = longJob(key, burst + 100, "deleted mid-job");
        if (id == null) {
            return;
        }
        awaitRunning(key, id);
        HttpResponse<String> delete = CLIENTS.get(key).send("DELETE", "/v1/nightmares/" + id);
        checkValid("delete", delete);
        ACCEPTED.put(id, new Job(id, key, "deleted mid-job", Ending.DELETED));
    }

    private String longJob(String key, int seed, String what) throws Exception {
        byte[] image = FieldImages.make(FieldImages.Kind.JPEG_PROGRESSIVE, 320, 240, seed);
        HttpResponse<String> response = withRetryAfter(() -> CLIENTS.get(key)
                .trySubmit(
                        image,
                        "in.jpg",
                        "image/jpeg",
                        "{\"model\":\"tiny\",\"layer\":10,\"rounds\":6,\"iters\":6,\"octaves\":1}"));
        if (response.statusCode() != 202) {
            FAILURES.add("valid " + what + ": " + response.statusCode() + " " + response.body());
            return null;
        }
        String id = JSON.readTree(response.body()).get("id").asText();
        ACCEPTED.put(id, new Job(id, key, what, Ending.SUCCEEDS));
        return id;
    }

    private void awaitRunning(String key, String id) throws Exception {
        long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() - until < 0) {
            HttpResponse<String> status = CLIENTS.get(key).tryJob(id);
            checkValid("status of " + id, status);
            if (status.statusCode() == 200
                    && !JSON.readTree(status.body()).path("state").asText().equals("queued")) {
                return;
            }
            Thread.sleep(100);
        }
        FAILURES.add("job " + id + " did not start within 3 minutes");
    }

    /** Status of every job, each key's list (paged), every stored round, and one event stream. */
    private void readEverything(int burst) throws Exception {
        for (Job job : ACCEPTED.values()) {
            if (job.ending() == Ending.DELETED) {
                continue;
            }
            HttpResponse<String> status = CLIENTS.get(job.key()).tryJob(job.id());
            checkValid("status of " + job.what(), status);
            if (status.statusCode() == 200) {
                int done = JSON.readTree(status.body())
                        .path("progress")
                        .path("roundsDone")
                        .asInt();
                for (int round = 0; round < done; round++) {
                    HttpResponse<byte[]> image = CLIENTS.get(job.key()).round(job.id(), round);
                    if (image.statusCode() != 200) {
                        FAILURES.add("round " + round + " of " + job.what() + ": " + image.statusCode());
                    }
                }
            }
        }
        for (String key : KEYS.keySet()) {
            listAll(key);
        }
        Job followed = ACCEPTED.values().stream()
                .filter(j -> j.ending() == Ending.SUCCEEDS)
                .findFirst()
                .orElseThrow();
        try (SseStream stream = CLIENTS.get(followed.key()).events(followed.id())) {
            stream.untilFinal(Duration.ofMinutes(3));
        } catch (AssertionError | RuntimeException e) {
            FAILURES.add("the event stream of " + followed.what() + " (burst " + burst + "): " + e.getMessage());
        }
    }

    private Set<String> listAll(String key) throws Exception {
        Set<String> ids = new HashSet<>();
        String after = null;
        do {
            HttpResponse<String> page =
                    CLIENTS.get(key).send("GET", "/v1/nightmares?limit=7" + (after == null ? "" : "&after=" + after));
            checkValid("list of " + key, page);
            if (page.statusCode() != 200) {
                return ids;
            }
            JsonNode body = JSON.readTree(page.body());
            body.path("items").forEach(item -> ids.add(item.path("id").asText()));
            after = body.path("next").isTextual() ? body.path("next").asText() : null;
        } while (after != null);
        return ids;
    }

    // --- the end

    /** Every accepted job ends as it should, with its rounds readable; lists hold exactly what was accepted. */
    private void settle() throws Exception {
        for (Job job : ACCEPTED.values()) {
            GatewayClient client = CLIENTS.get(job.key());
            if (job.ending() == Ending.DELETED) {
                HttpResponse<String> gone = client.tryJob(job.id());
                if (gone.statusCode() != 404) {
                    FAILURES.add("deleted " + job.what() + " answered " + gone.statusCode());
                }
                continue;
            }
            JsonNode done = client.awaitFinal(job.id(), Duration.ofMinutes(LONG ? 30 : 6));
            String state = done.path("state").asText();
            boolean right = job.ending() == Ending.CANCELED
                    ? state.equals("canceled") || state.equals("succeeded")
                    : state.equals("succeeded");
            if (!right) {
                FAILURES.add(job.what() + " ended " + state + ": "
                        + done.path("error").asText());
                continue;
            }
            int rounds = done.path("progress").path("roundsDone").asInt();
            if (state.equals("succeeded")
                    && rounds != done.path("options").path("rounds").asInt()) {
                FAILURES.add(job.what() + " succeeded with " + rounds + " rounds stored");
            }
            int width = done.path("input").path("width").asInt();
            int height = done.path("input").path("height").asInt();
            for (int round = 0; round < rounds; round++) {
                HttpResponse<byte[]> image = client.round(job.id(), round);
                if (image.statusCode() != 200) {
                    FAILURES.add("round " + round + " of " + job.what() + ": " + image.statusCode());
                    continue;
                }
                Image decoded = ImageCodec.decode(image.body(), "round", 1L << 26);
                if (decoded.width() != width || decoded.height() != height) {
                    FAILURES.add("round " + round + " of " + job.what() + " is " + decoded.width() + "×"
                            + decoded.height() + ", its input " + width + "×" + height);
                }
            }
        }
        for (String key : KEYS.keySet()) {
            Set<String> expected = new HashSet<>();
            ACCEPTED.values().stream()
                    .filter(j -> j.key().equals(key) && j.ending() != Ending.DELETED)
                    .forEach(j -> expected.add(j.id()));
            Set<String> listed = listAll(key);
            if (!listed.equals(expected)) {
                Set<String> phantom = new HashSet<>(listed);
                phantom.removeAll(expected);
                Set<String> missing = new HashSet<>(expected);
                missing.removeAll(listed);
                FAILURES.add(
                        key + " lists " + phantom.size() + " jobs it was never given and misses " + missing.size());
            }
        }
    }

    private static void checkValid(String what, HttpResponse<?> response) {
        if (response.statusCode() >= 500) {
            FAILURES.add(what + ": " + response.statusCode() + " " + truncate(String.valueOf(response.body())));
        }
    }

    private static void sampleMemory() throws Exception {
        MEMORY.add(new long[] {system.gateway().rssBytes(), system.modelStore().rssBytes()});
    }

    private static void report(Instant began) {
        long byEnding = ACCEPTED.values().stream()
                .filter(j -> j.ending() == Ending.SUCCEEDS)
                .count();
        REPORT.add(String.format(
                "workload (%s): %d bursts, gaps %s, %d jobs accepted (%d to succeed), %s elapsed",
                LONG ? "long, default timeouts" : "CI, shortened Kafka and model-store idle timeouts",
                GAPS.size() + 1,
                GAPS,
                ACCEPTED.size(),
                byEnding,
                Duration.between(began, Instant.now())));
        StringBuilder rss = new StringBuilder("RSS MB (gateway, model-store) after each burst and at the end:");
        for (long[] sample : MEMORY) {
            rss.append(String.format(" (%d, %d)", sample[0] >> 20, sample[1] >> 20));
        }
        REPORT.add(rss.toString());
        REPORT.add("failures: " + FAILURES.size());
        System.out.println(String.join("\n", REPORT));
        FAILURES.forEach(f -> System.out.println("  " + f));
    }

    // --- request helpers

    private record Part(String name, String fileName, String type, byte[] bytes) {}

    private static Part part(String name, byte[] png) {
        return new Part(name, "in.png", "image/png", png);
    }

    private static Part text(String name, String value) {
        return new Part(name, null, "application/json", value.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> multipart(GatewayClient client, List<Part> parts)
            throws IOException, InterruptedException {
        String boundary = "----wl" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Part p : parts) {
            GatewayClient.part(
                    body,
                    boundary,
                    p.fileName() == null ? p.name() : p.name() + "\"; filename=\"" + p.fileName(),
                    p.type(),
                    p.bytes());
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(client.url() + "/v1/nightmares"))
                        .timeout(GatewayClient.TIMEOUT)
                        .header("Authorization", "Bearer " + MALLORY)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] gif() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            javax.imageio.ImageIO.write(
                    new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_BYTE_INDEXED),
                    "gif",
                    out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String truncate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
