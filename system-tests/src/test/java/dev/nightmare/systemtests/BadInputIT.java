package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.Topics;
import dev.nightmare.contracts.testing.SampleJobs;
import dev.nightmare.platform.testing.AppProcess;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input against the real system ({@link SharedSystem}): image bombs and lies at the gateway over
 * real HTTP (refused quickly, gateway memory bounded), unreadable requests on {@code
 * nightmare-requests} (dead-lettered with their reason, their job failed with a message, the
 * consumer unaffected), and every option at and past its bounds, NaN and infinities included.
 */
@ExtendWith(SharedSystem.class)
class BadInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration QUICK = Duration.ofSeconds(3);
    private static final String OPTIONS = "{\"model\":\"tiny\",\"layer\":4,\"rounds\":1,\"iters\":1,\"octaves\":1}";

    private static TestSystem system;
    private static GatewayClient api;
    private static byte[] png;

    @BeforeAll
    static void clients() {
        system = SharedSystem.get();
        api = system.api("inputs");
        png = HostileImages.noisePng(64, 48, 5);
    }

    // --- images

    /** One upload and what it must get. */
    private record Upload(String what, byte[] bytes, String fileName, String type, int status, String says) {}

    @Test
    void imageBombsAndLiesAreRefusedQuicklyWithAReason() throws Exception {
        byte[] jpeg = HostileImages.jpegClaiming(64, 48);
        byte[] realJpeg = HostileImages.noiseJpeg(64, 48, 5);
        List<Upload> uploads = List.of(
                new Upload(
                        "PNG header claiming 50000×50000",
                        HostileImages.pngClaiming(50_000, 50_000),
                        "bomb.png",
                        "image/png",
                        422,
                        "50000×50000"),
                new Upload(
                        "JPEG header claiming 50000×50000",
                        HostileImages.jpegClaiming(50_000, 50_000),
                        "bomb.jpg",
                        "image/jpeg",
                        422,
                        "50000×50000"),
                new Upload(
                        "PNG cut in half", HostileImages.truncated(png, 0.5), "cut.png", "image/png", 422, "truncated"),
                new Upload(
                        "JPEG cut in half",
                        HostileImages.truncated(HostileImages.jpegClaiming(64, 48), 0.5),
                        "cut.jpg",
                        "image/jpeg",
                        422,
                        "truncated"),
                new Upload("zero bytes", new byte[0], "empty.png", "image/png", 422, "empty"),
                new Upload(
                        "text named .png",
                        "hello, not an image".getBytes(StandardCharsets.UTF_8),
                        "hello.png",
                        "image/png",
                        415,
                        "not a recognised image"),
                new Upload(
                        "SVG naming a remote image",
                        ("<svg xmlns='http://www.w3.org/2000/svg'><image href='http://127.0.0.1:1/x.png'/></svg>")
                                .getBytes(StandardCharsets.UTF_8),
                        "x.png",
                        "image/svg+xml",
                        415,
                        "not a recognised image"),
                new Upload(
                        "a header claiming 0×0",
                        HostileImages.pngClaiming(0, 0),
                        "zero.png",
                        "image/png",
                        422,
                        "image"),
                // The content decides, not the name or the declared type: a PNG called .jpg is a PNG.
                new Upload("PNG named .jpg, sent as image/jpeg", png, "photo.jpg", "image/jpeg", 202, null),
                new Upload("JPEG named .png, sent as text/plain", realJpeg, "x.png", "text/plain", 202, null),
                new Upload(
                        "a JPEG cut short",
                        Arrays.copyOf(realJpeg, realJpeg.length / 2),
                        "cut.jpg",
                        "image/jpeg",
                        422,
                        "truncated"));
        List<String> report = new ArrayList<>();
        for (Upload upload : uploads) {
            long sent = System.nanoTime();
            HttpResponse<String> response = api.trySubmit(upload.bytes(), upload.fileName(), upload.type(), OPTIONS);
            Duration took = Duration.ofNanos(System.nanoTime() - sent);
            report.add(upload.what() + ": " + response.statusCode() + " in " + took.toMillis() + " ms");
            assertThat(response.statusCode())
                    .as("%s: %s", upload.what(), response.body())
                    .isEqualTo(upload.status());
            assertThat(took).as(upload.what()).isLessThan(QUICK);
            if (upload.says() != null) {
                assertThat(response.body()).as(upload.what()).contains(upload.says());
            } else {
                cancel(response);
            }
        }
        System.out.println("image inputs:\n  " + String.join("\n  ", report));
    }

    @Test
    void metadataDecompressionBombIsNotExpanded() throws Exception {
        byte[] bomb = HostileImages.pngWithMetadataBomb(1L << 30); // 1 GiB of zeros in a zTXt chunk
        long rssBefore = system.gateway().rssBytes();
        long sent = System.nanoTime();
        HttpResponse<String> response = api.trySubmit(bomb, "bomb.png", "image/png", OPTIONS);
        Duration took = Duration.ofNanos(System.nanoTime() - sent);
        long grew = system.gateway().rssBytes() - rssBefore;
        System.out.printf(
                "zTXt bomb (%d bytes, 1 GiB inflated): %d in %d ms, gateway RSS %+d MB%n",
                bomb.length, response.statusCode(), took.toMillis(), grew >> 20);
        // The decoder ignores metadata: the 8×8 image itself is fine.
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(took).isLessThan(QUICK);
        assertThat(grew).as("gateway RSS growth").isLessThan(128L << 20);
        cancel(response);
    }

    @Test
    void pixelFloodsWithinThePixelLimitDoNotExhaustTheGatewaysMemory() throws Exception {
        // One colour, so ~100 KB on the wire either way, four at once against a 384 MB heap (a
        // decode budget of 60% of it, ~230 MB at 24 bytes a pixel: ~9.6 M pixels): 3300×3300
        // (10.9 M pixels, under the 12 M pixel limit) cannot fit the budget alone; 2500×2500 (6 M
        // pixels, ~150 MB while decoding) fits one at a time; 6000×6000 is past the pixel limit.
        List<String> report = new ArrayList<>();
        for (int side : List.of(6000, 3300, 2500)) {
            byte[] flood = HostileImages.solidPng(side, side);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            long sent = System.nanoTime();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 4; i++) {
                    answers.add(clients.submit(() -> api.trySubmit(flood, "flood.png", "image/png", OPTIONS)));
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - sent);
            List<Integer> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                statuses.add(response.statusCode());
                assertThat(response.statusCode())
                        .as("a pixel flood is accepted, refused as too large, or deferred: %s", response.body())
                        .isIn(202, 422, 503);
                assertThat(response.body())
                        .as("refused for what it is, not as a corrupt file")
                        .doesNotContain("heap")
                        .doesNotContain("corrupt");
                if (side == 6000) {
                    assertThat(response.statusCode())
                            .as("36 M pixels: past the pixel limit")
                            .isEqualTo(422);
                    assertThat(response.body()).contains("at most 12000000 are accepted");
                }
                if (side == 3300) {
                    assertThat(response.statusCode())
                            .as("10.9 M pixels cannot fit the decode budget")
                            .isEqualTo(422);
                    assertThat(response.body()).contains("decodes at most");
                }
                if (response.statusCode() == 202) {
                    cancel(response);
                }
            }
            report.add(side + "×" + side + " (" + flood.length + " bytes) ×4 at once: " + statuses + " in "
                    + took.toMillis() + " ms");
        }
        System.out.println("pixel floods:\n  " + String.join("\n  ", report));
        assertThat(system.gateway().health("ready")).isEqualTo(200);
        assertThat(system.gateway().log()).doesNotContain("OutOfMemoryError");
        HttpResponse<String> after = api.trySubmit(png, OPTIONS);
        assertThat(after.statusCode()).as("an ordinary submission afterwards").isEqualTo(202);
        cancel(after);
    }

    @Test
    void hundredMegabyteUploadsAreRefusedQuicklyWithBoundedMemory() throws Exception {
        long hundredMb = 100L << 20;
        String boundary = "----bad" + System.nanoTime();
        String auth = "Authorization: Bearer " + system.apiKey("inputs") + "\r\n";
        byte[] partHead = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"big.png\""
                        + "\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        long rssBefore = system.gateway().rssBytes();
        List<String> report = new ArrayList<>();
        for (boolean chunked : List.of(false, true)) {
            RawUpload.Outcome multipart = RawUpload.post(
                    system.gateway().url(),
                    "/v1/nightmares",
                    auth + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n",
                    partHead,
                    hundredMb,
                    chunked);
            RawUpload.Outcome json = RawUpload.post(
                    system.gateway().url(),
                    "/v1/nightmares",
                    auth + "Content-Type: application/json\r\n",
                    "{\"image\":\"".getBytes(StandardCharsets.US_ASCII),
                    hundredMb,
                    chunked);
            for (RawUpload.Outcome outcome : List.of(multipart, json)) {
                String what = (outcome == multipart ? "multipart" : "JSON") + (chunked ? ", chunked" : ", with length");
                report.add(what + ": " + outcome.status() + " after "
                        + outcome.took().toMillis() + " ms, " + (outcome.bytesSent() >> 20) + " MB sent");
                assertThat(outcome.status()).as(what).isEqualTo(413);
                assertThat(outcome.took()).as(what).isLessThan(Duration.ofSeconds(10));
                assertThat(outcome.bytesSent())
                        .as("%s: refused before the whole body was taken", what)
                        .isLessThan(hundredMb);
            }
        }
        long grew = system.gateway().rssBytes() - rssBefore;
        System.out.println("100 MB uploads (gateway RSS " + (grew >= 0 ? "+" : "") + (grew >> 20) + " MB):\n  "
                + String.join("\n  ", report));
        assertThat(grew).as("gateway RSS growth").isLessThan(128L << 20);
        assertThat(system.gateway().health("ready")).isEqualTo(200);
    }

    // --- messages on nightmare-requests

    /** One message straight onto the requests topic and the dead-letter reason it must get. */
    private record Message(String what, String jobId, byte[] value, String reason, boolean jobFails) {}

    @Test
    void unreadableRequestsAreDeadLetteredWithTheirReasonAndFailTheirJob() throws Exception {
        List<Message> messages = new ArrayList<>();
        String malformed = storedJob();
        messages.add(new Message(
                "malformed JSON",
                malformed,
                ("{\"schemaVersion\":1,\"jobId\":\"" + malformed + "\",").getBytes(StandardCharsets.UTF_8),
                "MALFORMED",
                true));
        String future = storedJob();
        messages.add(new Message(
                "schema version 99",
                future,
                requestJson(future, "tiny")
                        .replace("\"schemaVersion\":1", "\"schemaVersion\":99")
                        .getBytes(),
                "UNSUPPORTED_SCHEMA_VERSION",
                true));
        String noVersion = storedJob();
        messages.add(new Message(
                "no schema version",
                noVersion,
                requestJson(noVersion, "tiny")
                        .replace("\"schemaVersion\":1,", "")
                        .getBytes(),
                "MISSING_SCHEMA_VERSION",
                true));
        String oversized = storedJob();
        String padded =
                requestJson(oversized, "tiny").replaceFirst("\\{", "{\"padding\":\"" + "x".repeat(70_000) + "\",");
        messages.add(new Message(
                "oversized (70 KB)", oversized, padded.getBytes(StandardCharsets.UTF_8), "OVERSIZED", true));
        String unknownModel = storedJob("ghost", true);
        messages.add(new Message(
                "unknown model", unknownModel, STORED.get(unknownModel).getBytes(), "UNKNOWN_MODEL", true));
        String missingInput = storedJob("tiny", false);
        messages.add(new Message(
                "missing input", missingInput, STORED.get(missingInput).getBytes(), "MISSING_INPUT", true));
        String forged = storedJob();
        messages.add(new Message(
                "a message that is not the stored request",
                forged,
                STORED.get(forged).replace("\"rounds\":1,", "\"rounds\":3,").getBytes(),
                "REQUEST_MISMATCH",
                false));
        String noJob = "not-a-job-" + System.nanoTime();
        messages.add(new Message(
                "binary garbage without a job id", noJob, new byte[] {0, (byte) 0xff, 0x13, 0x37}, "MALFORMED", false));

        for (Message m : messages) {
            system.publishRequest(m.jobId(), m.value());
        }
        // The consumer is unaffected: a good job queued behind the bad ones runs.
        HttpResponse<String> good = api.trySubmit(png, OPTIONS);
        assertThat(good.statusCode()).isEqualTo(202);
        String goodId = JSON.readTree(good.body()).get("id").asText();

        List<String> report = new ArrayList<>();
        for (Message m : messages) {
            ConsumerRecord<String, byte[]> dead = system.deadLetter(m.jobId());
            assertThat(TestSystem.header(dead, "__dlq.errors.reason"))
                    .as(m.what())
                    .isEqualTo(m.reason());
            assertThat(TestSystem.header(dead, "__dlq.errors.topic")).isEqualTo(Topics.REQUESTS);
            assertThat(TestSystem.header(dead, "__dlq.errors.message"))
                    .as(m.what())
                    .isNotBlank();
            assertThat(dead.value())
                    .as("%s: the record is kept unchanged", m.what())
                    .isEqualTo(m.value());
            String error = "-";
            if (m.jobFails()) {
                JsonNode job = api.awaitFinal(m.jobId(), Duration.ofSeconds(60));
                assertThat(job.path("state").asText()).as(m.what()).isEqualTo("failed");
                error = job.path("error").asText();
                assertThat(error).as(m.what()).isNotBlank();
            }
            report.add(m.what() + " → " + m.reason() + "; job: " + error);
        }
        assertThat(api.awaitFinal(goodId, Duration.ofSeconds(60)).path("state").asText())
                .isEqualTo("succeeded");
        assertThat(system.statusIfAny(forged))
                .as("the forged message did not run the stored job")
                .isEmpty();
        for (AppProcess worker : system.workers().values()) {
            assertThat(worker.health("ready")).as(worker.name()).isEqualTo(200);
        }
        System.out.println("requests:\n  " + String.join("\n  ", report));
    }

    // --- options at and past their bounds

    /** Options and the answer they must get; {@code field} names the error's field. */
    private record Case(String options, int status, String field) {}

    @Test
    void everyOptionAtAndPastItsBoundsIsAcceptedOrRefusedWithItsField() throws Exception {
        List<Case> cases = List.of(
                // model
                new Case("{\"layer\":4}", 422, "model"),
                new Case("{\"model\":\"\",\"layer\":4}", 422, "model"),
                new Case("{\"model\":\"../tiny\",\"layer\":4}", 422, "model"),
                new Case("{\"model\":\"" + "m".repeat(65) + "\",\"layer\":4}", 422, "model"),
                new Case("{\"model\":\"ghost\",\"layer\":4}", 422, "model"),
                new Case("{\"model\":7,\"layer\":4}", 400, "model"),
                // layer
                new Case("{\"model\":\"tiny\"}", 422, "layer"),
                new Case("{\"model\":\"tiny\",\"layer\":-1,\"octaves\":1}", 422, "layer"),
                new Case("{\"model\":\"tiny\",\"layer\":999,\"octaves\":1}", 422, "layer"),
                new Case("{\"model\":\"tiny\",\"layer\":2147483648}", 400, "layer"),
                new Case("{\"model\":\"tiny\",\"layer\":1.5}", 400, "layer"),
                new Case("{\"model\":\"tiny\",\"layer\":\"4\"}", 400, "layer"),
                new Case("{\"model\":\"tiny\",\"layer\":0,\"octaves\":1,\"rounds\":1,\"iters\":1}", 202, null),
                // rounds and iters: 1 and 100000 are the bounds
                new Case(opts("\"rounds\":0"), 422, "rounds"),
                new Case(opts("\"rounds\":-1"), 422, "rounds"),
                new Case(opts("\"rounds\":100001"), 422, "rounds"),
                new Case(opts("\"iters\":0"), 422, "iters"),
                new Case(opts("\"iters\":100001"), 422, "iters"),
                new Case(opts("\"rounds\":10,\"iters\":100000"), 202, null),
                // each within its bound, but together over the admission rule's work budget
                new Case(opts("\"rounds\":100000,\"iters\":100000"), 422, "iters"),
                // range and octaves
                new Case(opts("\"range\":0"), 422, "range"),
                new Case(opts("\"range\":1001"), 422, "range"),
                new Case("{\"model\":\"tiny\",\"layer\":0,\"range\":3,\"octaves\":1}", 422, "range"),
                new Case(opts("\"octaves\":0"), 422, "octaves"),
                new Case(opts("\"octaves\":65"), 422, "octaves"),
                new Case(opts("\"octaves\":64"), 422, "octaves"),
                // floats: NaN and infinities, as tokens (not JSON), as strings, and as overflowing numbers
                new Case(opts("\"rate\":NaN"), 400, "options"),
                new Case(opts("\"rate\":Infinity"), 400, "options"),
                new Case(opts("\"thresh\":-Infinity"), 400, "options"),
                new Case(opts("\"rate\":\"NaN\""), 400, "rate"),
                new Case(opts("\"thresh\":\"Infinity\""), 400, "thresh"),
                new Case(opts("\"rate\":1e39"), 400, "rate"),
                new Case(opts("\"thresh\":-1e39"), 400, "thresh"),
                new Case(opts("\"rotate\":1e400"), 400, "rotate"),
                new Case(opts("\"momentum\":-1e39"), 400, "momentum"),
                new Case(opts("\"rate\":3.4028235e38,\"thresh\":-3.4028235e38,\"rotate\":-1e30"), 202, null),
                // zoom: (0, 16]
                new Case(opts("\"zoom\":0"), 422, "zoom"),
                new Case(opts("\"zoom\":-1"), 422, "zoom"),
                new Case(opts("\"zoom\":16.01"), 422, "zoom"),
                new Case(opts("\"zoom\":1e-30"), 422, "zoom"),
                new Case(opts("\"zoom\":1e39"), 400, "zoom"),
                new Case(opts("\"zoom\":16"), 202, null),
                // maxSide: 1..16384
                new Case(opts("\"maxSide\":0"), 422, "maxSide"),
                new Case(opts("\"maxSide\":16385"), 422, "maxSide"),
                new Case(opts("\"maxSide\":16384"), 202, null),
                // seed: any 64-bit integer
                new Case(opts("\"seed\":9223372036854775808"), 400, "seed"),
                new Case(opts("\"seed\":1.5"), 400, "seed"),
                new Case(opts("\"seed\":-9223372036854775808"), 202, null),
                // enums, booleans, names
                new Case(opts("\"rng\":\"mt\""), 422, "rng"),
                new Case(opts("\"format\":\"gif\""), 422, "format"),
                new Case(opts("\"rng\":\"DARKNET\",\"format\":\"PNG\""), 202, null),
                new Case(opts("\"norm\":1"), 400, "norm"),
                new Case(opts("\"reconstruct\":\"true\""), 400, "reconstruct"),
                new Case(opts("\"colour\":\"red\""), 400, "colour"),
                new Case("[]", 400, "options"),
                new Case("{\"model\":\"tiny\",\"layer\":4,\"layer\":5}", 400, "options"),
                new Case("{" + "\"a\":{".repeat(50) + "}".repeat(51), 400, "options"));

        List<String> accepted = new ArrayList<>();
        for (Case c : cases) {
            HttpResponse<String> multipart = api.trySubmit(png, c.options());
            check(c, multipart, "multipart");
            // The JSON body takes the same options as an object.
            if (c.options().startsWith("{")
                    && !c.options().contains("NaN")
                    && !c.options().contains("Infinity")) {
                HttpResponse<String> json = api.trySubmitJson("{\"image\":\""
                        + Base64.getEncoder().encodeToString(png) + "\",\"options\":" + c.options() + "}");
                if (c.field() == null || !c.field().equals("options")) {
                    check(c, json, "JSON");
                } else {
                    assertThat(json.statusCode()).as("JSON: %s", c.options()).isEqualTo(400);
                }
                if (json.statusCode() == 202) {
                    accepted.add(cancel(json));
                }
            }
            if (multipart.statusCode() == 202) {
                accepted.add(cancel(multipart));
            }
        }
        // NaN and infinities through the JSON body's own number syntax.
        for (String token : List.of("NaN", "Infinity", "-Infinity")) {
            HttpResponse<String> json =
                    api.trySubmitJson("{\"image\":\"" + Base64.getEncoder().encodeToString(png)
                            + "\",\"options\":{\"model\":\"tiny\",\"layer\":4,\"rate\":" + token + "}}");
            assertThat(json.statusCode()).as("JSON body with %s", token).isEqualTo(400);
        }
        for (String id : accepted) {
            assertThat(api.awaitFinal(id, Duration.ofSeconds(120)).path("state").asText())
                    .as("accepted at its bounds, then canceled: %s", id)
                    .isIn("canceled", "succeeded");
        }
        System.out.printf("options: %d cases, %d jobs accepted at their bounds%n", cases.size(), accepted.size());
    }

    private static void check(Case c, HttpResponse<String> response, String how) throws Exception {
        assertThat(response.statusCode())
                .as("%s %s: %s", how, c.options(), response.body())
                .isEqualTo(c.status());
        if (c.field() != null) {
            List<String> fields = new ArrayList<>();
            JSON.readTree(response.body())
                    .path("errors")
                    .forEach(e -> fields.add(e.path("field").asText()));
            assertThat(fields)
                    .as("%s %s: %s", how, c.options(), response.body())
                    .contains(c.field());
        }
    }

    /** Tiny, layer 4, one octave, one round of one iteration, with {@code extra} fields replacing those. */
    private static String opts(String extra) {
        StringBuilder json = new StringBuilder("{\"model\":\"tiny\",\"layer\":4");
        for (String base : List.of("\"octaves\":1", "\"rounds\":1", "\"iters\":1")) {
            if (!extra.contains(base.substring(0, base.indexOf(':') + 1))) {
                json.append(',').append(base);
            }
        }
        return json.append(',').append(extra).append('}').toString();
    }

    /** Cancels an accepted job at once (accepted only to prove the bound) and returns its id. */
    private static String cancel(HttpResponse<String> accepted) throws Exception {
        String id = JSON.readTree(accepted.body()).get("id").asText();
        HttpResponse<String> canceled = api.send("POST", "/v1/nightmares/" + id + "/cancel");
        assertThat(canceled.statusCode())
                .as("recorded, or the job had already ended")
                .isIn(202, 200);
        return id;
    }

    // --- jobs written as the gateway would, for messages that then cannot be read

    private static String storedJob() throws Exception {
        return storedJob("tiny", true);
    }

    /** The message of each stored job: its request.json exactly (a message that differs is dead-lettered as such). */
    private static final java.util.Map<String, String> STORED = new java.util.concurrent.ConcurrentHashMap<>();

    private static String storedJob(String model, boolean withInput) throws Exception {
        String id = JobIds.random();
        String json = requestJson(id, model);
        STORED.put(id, json);
        JobRequest request = ContractJson.readRequest(json.getBytes(StandardCharsets.UTF_8));
        if (withInput) {
            system.putObject(JobKeys.input(id), png, "image/png");
        }
        system.putObject(JobKeys.request(id), ContractJson.write(request), "application/json");
        system.putObject(
                JobKeys.ownerIndexEntry(request.owner(), request.createdAt(), id),
                new byte[0],
                "application/octet-stream");
        return id;
    }

    /** A valid request of the "inputs" key for job {@code id}; a model version that does not exist when "ghost". */
    private static String requestJson(String id, String model) {
        Instant now = Instant.now();
        String sha = model.equals("ghost") ? sha256(id) : tinySha();
        JobOptions options = SampleJobs.options(model, 4)
                .rounds(1)
                .iters(1)
                .octaves(1)
                .seed(7)
                .resolved(1024);
        JobRequest request = SampleJobs.request(
                id, JobIds.owner("inputs"), options, sha, 64, 48, now, now.plus(Duration.ofHours(1)), null);
        return new String(ContractJson.write(request), StandardCharsets.UTF_8);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static volatile String tinySha;

    /** Tiny Darknet's version as the model-store serves it. */
    private static String tinySha() {
        if (tinySha == null) {
            try {
                tinySha = JSON.readTree(api.send("GET", "/v1/models/tiny").body())
                        .path("sha256")
                        .asText();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return tinySha;
    }
}
