package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.Topics;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.testing.Shared;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole path, each part a real server in its own process: Kafka 4.4 (KRaft) and S3
 * (s3proxy) from local-platform, the model-store serving Tiny Darknet, the gateway, and two dream
 * workers on the CPU backend. A client submits over HTTP, follows the SSE stream and downloads
 * rounds through the gateway. One partition on {@code nightmare-requests} throughout: with share
 * groups the workers still take jobs independently.
 */
class EndToEndIT {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);
    private static final String BACKEND = TestSystem.BACKEND;

    /** A quick job: 3 rounds of 3 iterations on a 96×72 image. */
    private static final String QUICK =
            "{\"model\":\"tiny\",\"layer\":4,\"rounds\":3,\"iters\":3,\"octaves\":2,\"format\":\"png\",\"seed\":7}";

    private static TestSystem system;
    private static GatewayClient api;
    private static byte[] small;
    private static byte[] large;

    @BeforeAll
    static void startTheSystem() throws Exception {
        system = TestSystem.builder("e2e").start();
        api = system.api();
        Image dog = ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1_000_000);
        small = ImageCodec.encode(ImageOps.resize(dog, 96, 72), ImageCodec.Format.PNG);
        large = ImageCodec.encode(ImageOps.resize(dog, 384, 288), ImageCodec.Format.PNG);
    }

    @AfterAll
    static void stopTheSystem() {
        if (system != null) {
            system.close();
        }
    }

    /** Each test starts with both workers up (the kill test restarts its victim, but be sure). */
    @BeforeEach
    void bothWorkersRun() throws Exception {
        system.ensureWorkersRunning();
    }

    @Test
    void submittedImageIsDreamedAndEveryRoundDownloadsThroughTheGateway() throws Exception {
        String id = api.submit(small, QUICK);

        List<SseStream.Event> events;
        try (SseStream sse = api.events(id)) {
            events = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(events.getFirst().name()).isEqualTo("state");
        assertThat(events.getLast().name()).isEqualTo("succeeded");
        assertThat(events.stream().filter(e -> e.name().equals("round")).map(SseStream.Event::round))
                .containsExactly(0, 1, 2);
        Image input = ImageCodec.decode(small, "input", 1_000_000);
        for (int round = 0; round < 3; round++) {
            HttpResponse<byte[]> response = api.round(id, round);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("image/png");
            Image image = ImageCodec.decode(response.body(), "round " + round, 1_000_000);
            assertThat(image.width()).isEqualTo(96);
            assertThat(image.height()).isEqualTo(72);
            assertThat(meanAbsoluteDifference(image, input))
                    .as("round %d differs from the input", round)
                    .isGreaterThan(1 / 255.0);
        }
        assertThat(api.round(id, 3).statusCode())
                .as("rounds are numbered from 0")
                .isEqualTo(404);
        JsonNode job = api.job(id);
        assertThat(job.get("state").asText()).isEqualTo("succeeded");
        assertThat(job.get("run").get("backend").asText()).isEqualTo(BACKEND);
    }

    @Test
    void cancelMidJobStopsItAndTheJobEndsCanceled() throws Exception {
        String id = api.submit(large, slow(6, 30));

        List<SseStream.Event> events;
        try (SseStream sse = api.events(id)) {
            sse.await(e -> e.name().equals("progress"), JOB_TIMEOUT);
            api.cancel(id);
            events = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(events.getLast().name()).isEqualTo("canceled");
        JsonNode job = api.job(id);
        assertThat(job.get("state").asText()).isEqualTo("canceled");
        assertThat(job.get("progress").get("roundsDone").asInt()).isLessThan(6);
    }

    @Test
    void workerKilledMidRoundLeavesTheJobToTheOtherWithIdenticalImages() throws Exception {
        String options = slow(3, 100);
        String uninterrupted = api.submit(large, options);
        try (SseStream sse = api.events(uninterrupted)) {
            assertThat(sse.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("succeeded");
        }

        String id = api.submit(large, options);
        String victim;
        List<SseStream.Event> after;
        try (SseStream sse = api.events(id)) {
            // Mid-round: rounds 0 and 1 are stored and round 2 has run some of its 100 iterations.
            sse.await(
                    e -> e.name().equals("progress")
                            && e.round() == 2
                            && e.data().path("iteration").asInt() < 80,
                    JOB_TIMEOUT);
            JobStatus midRoundTwo = status(id);
            assertThat(midRoundTwo.roundsDone())
                    .as("killed before round 2 is stored")
                    .isEqualTo(2);
            victim = midRoundTwo.workerId();
            system.worker(victim).kill();
            after = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(after.getLast().name()).isEqualTo("succeeded");
        JobStatus done = status(id);
        assertThat(done.workerId()).as("finished by the other worker").isNotEqualTo(victim);
        assertThat(done.deliveryCount()).isGreaterThanOrEqualTo(2);
        for (int round = 0; round < 3; round++) {
            assertThat(Arrays.equals(
                            api.round(id, round).body(),
                            api.round(uninterrupted, round).body()))
                    .as(
                            "round %d is bit-identical to the uninterrupted run's (same backend kind, %s). A"
                                    + " difference from round 0 on means the backend itself is not reproducible"
                                    + " between worker processes, e.g. a Vector API reduceLanes(ADD), whose order"
                                    + " differs between interpreted and C2-compiled code",
                            round, BACKEND)
                    .isTrue();
        }
    }

    @Test
    void sigtermMidJobReleasesTheJobAndTheOtherWorkerFinishesIt() throws Exception {
        String id = api.submit(large, slow(3, 40));
        String stopped;
        Duration exit;
        List<SseStream.Event> events;
        try (SseStream sse = api.events(id)) {
            sse.await(e -> e.name().equals("progress"), JOB_TIMEOUT);
            stopped = status(id).workerId();
            exit = system.worker(stopped).terminate(Duration.ofSeconds(60));
            events = sse.untilFinal(JOB_TIMEOUT);
        }

        assertThat(exit).as("exits within shutdown-grace (5 s) and a margin").isLessThan(Duration.ofSeconds(20));
        assertThat(system.worker(stopped).log()).contains("released for redelivery at shutdown");
        assertThat(events.getLast().name()).isEqualTo("succeeded");
        JobStatus done = status(id);
        assertThat(done.workerId()).isNotEqualTo(stopped);
        assertThat(done.deliveryCount()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void longJobOnOneWorkerDoesNotDelayAShortJobWhileTheOtherIsFree() throws Exception {
        String longJob = api.submit(large, slow(4, 200));
        try (SseStream longEvents = api.events(longJob)) {
            longEvents.await(e -> e.name().equals("progress"), JOB_TIMEOUT);

            long submitted = System.nanoTime();
            String shortJob = api.submit(small, QUICK.replace("\"rounds\":3", "\"rounds\":1"));
            try (SseStream shortEvents = api.events(shortJob)) {
                assertThat(shortEvents.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("succeeded");
            }
            Duration shortTook = Duration.ofNanos(System.nanoTime() - submitted);

            assertThat(api.job(longJob).get("state").asText())
                    .as("the long job is still running")
                    .isEqualTo("running");
            assertThat(status(shortJob).workerId()).isNotEqualTo(status(longJob).workerId());
            assertThat(shortTook)
                    .as("the short job did not queue behind the long one")
                    .isLessThan(Duration.ofSeconds(20));
            api.cancel(longJob);
            assertThat(longEvents.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("canceled");
        }
    }

    @Test
    void poisonMessageGoesToTheDeadLetterTopicWhileTheNextGoodJobSucceeds() throws Exception {
        String poisonKey = "poison-" + System.nanoTime();
        system.publishRequest(poisonKey, "{\"schemaVersion\":1,".getBytes(StandardCharsets.UTF_8));
        String good = api.submit(small, QUICK);

        try (SseStream sse = api.events(good)) {
            assertThat(sse.untilFinal(JOB_TIMEOUT).getLast().name()).isEqualTo("succeeded");
        }
        ConsumerRecord<String, byte[]> dead = system.deadLetter(poisonKey);
        assertThat(TestSystem.header(dead, "__dlq.errors.reason")).isEqualTo("MALFORMED");
        assertThat(TestSystem.header(dead, "__dlq.errors.topic")).isEqualTo(Topics.REQUESTS);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"schemaVersion\":1,");
    }

    /** Rounds × iterations on the 384×288 input: long enough to act on mid-job. */
    private static String slow(int rounds, int iters) {
        return "{\"model\":\"tiny\",\"layer\":4,\"rounds\":" + rounds + ",\"iters\":" + iters
                + ",\"octaves\":2,\"format\":\"png\",\"seed\":11}";
    }

    private static JobStatus status(String id) throws Exception {
        return system.status(id);
    }

    private static double meanAbsoluteDifference(Image a, Image b) {
        double sum = 0;
        for (int i = 0; i < a.data().length; i++) {
            sum += Math.abs(a.data()[i] - b.data()[i]);
        }
        return sum / a.data().length;
    }
}
