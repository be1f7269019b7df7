package dev.nightmare.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.nightmare.gateway.service.WebhookPolicy;
import dev.nightmare.gateway.webhooks.WebhookOutbox.Stored;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery rules against an in-memory outbox with S3's conditional-write semantics and a real
 * HTTP receiver on 127.0.0.1; "replicas" are separate {@link WebhookDeliveries} over one outbox.
 * (The S3 outbox and a restart: WebhookOutboxS3IT; a real gateway: GatewayIT.)
 */
class WebhookDeliveriesTest {
    static final String SECRET = "unit-webhook-secret-0123456789";
    static final String JOB = "0123456789abcdef0123456789abcdef";

    HttpServer receiver;
    /** The status to answer to the n-th request (1-based) of a webhook id. */
    volatile IntUnaryOperator answer = n -> 204;

    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Map<String, String>> received = new ConcurrentLinkedQueue<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger mostInFlight = new AtomicInteger();
    volatile long holdMillis;

    final MemoryOutbox outbox = new MemoryOutbox();
    final WebhookPolicy policy =
            new WebhookPolicy(List.of("127.0.0.1"), Optional.of(SECRET.getBytes(StandardCharsets.UTF_8)));

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/hook", exchange -> {
            int now = inFlight.incrementAndGet();
            mostInFlight.accumulateAndGet(now, Math::max);
            try {
                if (holdMillis > 0) {
                    Thread.sleep(holdMillis);
                }
                String id = exchange.getRequestHeaders().getFirst("webhook-id");
                int n = attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                received.add(Map.of(
                        "id", id,
                        "timestamp", exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        "signature", exchange.getRequestHeaders().getFirst("webhook-signature"),
                        "nightmare", exchange.getRequestHeaders().getFirst("Nightmare-Signature"),
                        "event", exchange.getRequestHeaders().getFirst("Nightmare-Event"),
                        "body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                int status = answer.applyAsInt(n);
                if (status == 503) {
                    exchange.getResponseHeaders().add("Retry-After", "1");
                }
                exchange.sendResponseHeaders(status, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
                exchange.close();
            }
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    WebhookDeliveries replica(String name, int maxAttempts, int maxConcurrent) {
        return new WebhookDeliveries(
                outbox,
                // Generous timeouts: on a loaded machine an answer slower than the timeout is a
                // failed attempt, sent again, and "attempted once" would fail for the wrong reason.
                new WebhookSender(policy, Duration.ofSeconds(10)),
                policy,
                new RetrySchedule(maxAttempts, Duration.ofMillis(20), Duration.ofMillis(200)),
                Duration.ofSeconds(30),
                Duration.ofSeconds(10),
                maxConcurrent,
                Clock.systemUTC(),
                name);
    }

    /** A new event's delivery taken by {@code replica}, as the Kafka consumer takes it. */
    Stored take(WebhookDeliveries replica, String id) {
        return replica.store(replica.newDelivery(id, JOB, "round", url(), "{\"type\":\"round\",\"id\":\"" + id + "\"}"))
                .orElseThrow();
    }

    /** Sweeps with every replica until the outbox is empty (or 10 s pass). */
    void sweepUntilEmpty(WebhookDeliveries... replicas) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!outbox.objects.isEmpty() && System.nanoTime() < until) {
            for (WebhookDeliveries r : replicas) {
                r.sweep();
            }
            Thread.sleep(5);
        }
        for (WebhookDeliveries r : replicas) {
            assertThat(r.drain(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void deliveredAtOnceSignedBothWaysAndRemoved() throws Exception {
        WebhookDeliveries a = replica("a", 3, 4);
        a.start(List.of(take(a, JOB + "-round-0")));
        assertThat(a.drain(Duration.ofSeconds(5))).isTrue();

        assertThat(received).singleElement().satisfies(hook -> {
            assertThat(hook.get("id")).isEqualTo(JOB + "-round-0");
            assertThat(hook.get("event")).isEqualTo("round");
            long t = Long.parseLong(hook.get("timestamp"));
            assertThat(Math.abs(Instant.now().getEpochSecond() - t)).isLessThan(60);
            byte[] key = SECRET.getBytes(StandardCharsets.UTF_8);
            // Both verified here with the JDK's HMAC directly, as a receiver would.
            assertThat(hook.get("signature"))
                    .isEqualTo("v1,"
                            + Base64.getEncoder()
                                    .encodeToString(hmac(key, hook.get("id") + "." + t + "." + hook.get("body"))));
            assertThat(hook.get("nightmare"))
                    .isEqualTo("t=" + t + ",v1=" + HexFormat.of().formatHex(hmac(key, t + "." + hook.get("body"))));
        });
        assertThat(outbox.objects).isEmpty();
    }

    @Test
    void failedAttemptsAreRetriedFromTheOutboxWithTheSameIdAndBody() throws Exception {
        answer = n -> n <= 2 ? 500 : 204;
        WebhookDeliveries a = replica("a", 5, 4);
        a.start(List.of(take(a, JOB + "-completed")));
        assertThat(a.drain(Duration.ofSeconds(5))).isTrue();
        // The failure is in the outbox: one attempt made, due again soon, claimed by nobody.
        Delivery pending = outbox.read(JOB + "-completed").orElseThrow().delivery();
        assertThat(pending.attempts()).isEqualTo(1);
        assertThat(pending.claimedUntil()).isNull();
        assertThat(pending.nextAttemptAt()).isAfter(pending.createdAt());

        // A replica that was not there for the first attempt (as after a restart) finishes it.
        sweepUntilEmpty(replica("b", 5, 4));
        assertThat(attempts.get(JOB + "-completed")).hasValue(3);
        assertThat(received).extracting(h -> h.get("body")).containsOnly(pending.body());
        assertThat(outbox.objects).isEmpty();
    }

    @Test
    void twoReplicasSweepingOneOutboxAttemptEachDeliveryOnce() throws Exception {
        WebhookDeliveries dead = replica("dead", 3, 4);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Stored s = take(dead, JOB + "-round-" + i);
            // Left by a replica that died at once: a claim that has already lapsed, never attempted.
            outbox.replace(s.delivery().claimed(Instant.now().minusSeconds(1), "dead"), s.etag());
            ids.add(s.delivery().id());
        }
        WebhookDeliveries a = replica("a", 3, 4);
        WebhookDeliveries b = replica("b", 3, 4);
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                sweepUntilEmpty(b);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sweepUntilEmpty(a);
        other.join();
        assertThat(attempts.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(attempts.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(outbox.objects).isEmpty();
    }

    @Test
    void aClaimHeldByAnotherReplicaIsLeftUntilItLapses() throws Exception {
        WebhookDeliveries a = replica("a", 3, 4);
        Stored s = take(a, JOB + "-start");
        Instant lapses = Instant.now().plusMillis(400);
        outbox.replace(s.delivery().claimed(lapses, "busy-replica"), s.etag());
        WebhookDeliveries b = replica("b", 3, 4);
        while (Instant.now().isBefore(lapses.minusMillis(100))) {
            b.sweep();
            Thread.sleep(20);
        }
        assertThat(received).as("not attempted while claimed").isEmpty();
        sweepUntilEmpty(b);
        assertThat(attempts.get(JOB + "-start")).hasValue(1);
    }

    @Test
    void refusalsAreNotRetriedAndTheLastFailedAttemptDropsIt() throws Exception {
        answer = n -> 404;
        WebhookDeliveries a = replica("a", 3, 4);
        a.start(List.of(take(a, JOB + "-round-0")));
        assertThat(a.drain(Duration.ofSeconds(5))).isTrue();
        assertThat(outbox.objects).isEmpty();
        assertThat(attempts.get(JOB + "-round-0")).hasValue(1);

        answer = n -> 503;
        a.start(List.of(take(a, JOB + "-round-1")));
        sweepUntilEmpty(a);
        assertThat(attempts.get(JOB + "-round-1")).hasValue(3);
    }

    @Test
    void theSameEventTakenTwiceIsStoredOnce() {
        WebhookDeliveries a = replica("a", 3, 4);
        take(a, JOB + "-round-0");
        assertThat(a.store(a.newDelivery(JOB + "-round-0", JOB, "round", url(), "{}")))
                .isEmpty();
    }

    @Test
    void noMoreThanMaxConcurrentAttemptsAtOnce() throws Exception {
        holdMillis = 150;
        WebhookDeliveries a = replica("a", 3, 2);
        List<Stored> fresh = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // Six jobs, so nothing orders them: only the slots limit the attempts at once.
            String job = String.format("%032x", i + 1);
            fresh.add(a.store(a.newDelivery(job + "-start", job, "started", url(), "{}"))
                    .orElseThrow());
        }
        a.start(fresh);
        assertThat(a.drain(Duration.ofSeconds(10))).isTrue();
        assertThat(received).hasSize(6);
        assertThat(mostInFlight.get()).isEqualTo(2);
    }

    static byte[] hmac(byte[] key, String content) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
    }

    /** S3's semantics where the outbox relies on them: create if absent, rewrite if the ETag matches. */
    static final class MemoryOutbox implements WebhookOutbox {
        record Version(Delivery delivery, String etag) {}

        final ConcurrentSkipListMap<String, Version> objects = new ConcurrentSkipListMap<>();
        private final AtomicLong etags = new AtomicLong();

        @Override
        public Optional<String> create(Delivery delivery) {
            String etag = "e" + etags.incrementAndGet();
            return objects.putIfAbsent(delivery.id(), new Version(delivery, etag)) == null
                    ? Optional.of(etag)
                    : Optional.empty();
        }

        @Override
        public Optional<String> replace(Delivery delivery, String etag) {
            // A compare-and-set: ConcurrentSkipListMap's compute methods may run their function
            // more than once under contention, so a side effect in one cannot say what was applied
            // (two replicas both "won" a claim that way).
            Version current = objects.get(delivery.id());
            if (current == null || !current.etag().equals(etag)) {
                return Optional.empty();
            }
            String next = "e" + etags.incrementAndGet();
            return objects.replace(delivery.id(), current, new Version(delivery, next))
                    ? Optional.of(next)
                    : Optional.empty();
        }

        @Override
        public Optional<Stored> read(String id) {
            Version v = objects.get(id);
            return v == null ? Optional.empty() : Optional.of(new Stored(v.delivery(), v.etag()));
        }

        @Override
        public void delete(String id) {
            objects.remove(id);
        }

        @Override
        public List<String> ids(String after, int max) {
            var keys = after == null
                    ? objects.keySet()
                    : objects.tailMap(after, false).keySet();
            return keys.stream().limit(max).toList();
        }
    }
}
