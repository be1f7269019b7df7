package dev.nightmare.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.nightmare.gateway.service.WebhookPolicy;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.Ports;
import dev.nightmare.platform.testing.TestDirs;
import dev.nightmare.s3.S3Bucket;
import dev.nightmare.s3.S3Settings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outbox in a real S3 server (s3proxy, as the gateway ITs use): a webhook whose receiver is
 * down stays pending in {@code webhooks/} while its gateway, and S3 itself, restart, and the
 * restarted gateway delivers it (same id, same body, signed) once the receiver is up.
 */
class WebhookOutboxS3IT {
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String JOB = "fedcba9876543210fedcba9876543210";
    static final String BUCKET = "nightmare";

    static LocalS3 s3;
    static S3Settings settings;

    final WebhookPolicy policy =
            new WebhookPolicy(List.of("127.0.0.1"), Optional.of(SECRET.getBytes(StandardCharsets.UTF_8)));

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LocalS3.start(TestDirs.create("webhook-outbox"));
        s3.createBucket(BUCKET);
        settings = new S3Settings(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), BUCKET);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    /** A gateway's webhook side as the dispatcher builds it at start-up: its own S3 client and a new replica name. */
    WebhookDeliveries gateway(String replica) {
        return new WebhookDeliveries(
                new S3WebhookOutbox(S3Bucket.connect(settings, Duration.ofSeconds(5))),
                new WebhookSender(policy, Duration.ofSeconds(1)),
                policy,
                new RetrySchedule(10, Duration.ofMillis(50), Duration.ofMillis(200)),
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                4,
                Clock.systemUTC(),
                replica);
    }

    static Optional<Delivery> pending(String id) {
        return new S3WebhookOutbox(S3Bucket.connect(settings, Duration.ofSeconds(5)))
                .read(id)
                .map(WebhookOutbox.Stored::delivery);
    }

    @Test
    void aDeliveryPendingWhileTheReceiverIsDownSurvivesRestartsAndIsDeliveredOnceItIsUp() throws Exception {
        int port = Ports.free(); // nothing listens here yet: every attempt is refused a connection
        String url = "http://127.0.0.1:" + port + "/hook";
        String id = JOB + "-completed";
        String body = "{\"type\":\"succeeded\",\"jobId\":\"" + JOB + "\"}";

        WebhookDeliveries first = gateway("gateway-before");
        first.start(List.of(
                first.store(first.newDelivery(id, JOB, "succeeded", url, body)).orElseThrow()));
        assertThat(first.drain(Duration.ofSeconds(5))).isTrue();
        Delivery afterFirst = pending(id).orElseThrow();
        assertThat(afterFirst.attempts()).isEqualTo(1);
        assertThat(afterFirst.claimedUntil())
                .as("the failed attempt gave its claim back")
                .isNull();

        // The gateway goes (first is never used again) and S3 restarts: only what is on disk remains.
        s3.restart();
        WebhookDeliveries second = gateway("gateway-after");
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pending(id).orElseThrow().attempts() < 2 && System.nanoTime() < until) {
            second.sweep(); // receiver still down: attempted again, still pending
            Thread.sleep(50);
        }
        assertThat(second.drain(Duration.ofSeconds(5))).isTrue();
        assertThat(pending(id)).get().satisfies(d -> {
            assertThat(d.attempts()).isGreaterThanOrEqualTo(2);
            assertThat(d.body()).isEqualTo(body);
        });

        ConcurrentLinkedQueue<Map<String, String>> received = new ConcurrentLinkedQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/hook", exchange -> {
            received.add(Map.of(
                    "id", exchange.getRequestHeaders().getFirst("webhook-id"),
                    "timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    "signature", exchange.getRequestHeaders().getFirst("webhook-signature"),
                    "body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (pending(id).isPresent() && System.nanoTime() < until) {
                second.sweep();
                Thread.sleep(50);
            }
            assertThat(second.drain(Duration.ofSeconds(5))).isTrue();
        } finally {
            receiver.stop(0);
        }

        assertThat(pending(id)).as("removed from the outbox once delivered").isEmpty();
        assertThat(received).singleElement().satisfies(hook -> {
            assertThat(hook.get("id")).isEqualTo(id);
            assertThat(hook.get("body")).isEqualTo(body);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring(6)), "HmacSHA256"));
            String signed = id + "." + hook.get("timestamp") + "." + body;
            assertThat(hook.get("signature"))
                    .isEqualTo("v1,"
                            + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8))));
        });
    }
}
