package dev.nightmare.modelclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nightmare.retry.Retry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a stand-in store (JDK HttpServer) that serves one version the way the real
 * store does; the real store is exercised by model-store's ModelStoreClientIT.
 */
class ModelStoreClientTest {
    private static final Retry FAST = Retry.backoff(Duration.ofMillis(50), Duration.ofMillis(400))
            .multiplier(2)
            .maxAttempts(6);

    @TempDir
    Path cache;

    private final byte[] cfg = "[net]\nwidth=8\nheight=8\nchannels=3\n".getBytes(StandardCharsets.UTF_8);
    private final byte[] weights = new byte[300_000];
    private String sha;
    private HttpServer server;
    private final AtomicInteger downloads = new AtomicInteger();
    private volatile boolean corrupt;

    @BeforeEach
    void setUp() throws Exception {
        new Random(7).nextBytes(weights);
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update(cfg);
        d.update(weights);
        sha = HexFormat.of().formatHex(d.digest());
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int startStore(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/v1/models/m/cfg", ex -> send(ex, cfg));
        server.createContext("/v1/models/m/versions/" + sha + "/cfg", ex -> send(ex, cfg));
        server.createContext("/v1/models/m/versions/" + sha + "/weights", ex -> {
            downloads.incrementAndGet();
            byte[] body = weights.clone();
            if (corrupt) {
                body[1000] ^= 1;
            }
            ex.getResponseHeaders().add("ETag", "\"" + hex(weights) + "\"");
            send(ex, body);
        });
        server.createContext("/v1/models/", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    private void send(HttpExchange ex, byte[] body) throws IOException {
        ex.getResponseHeaders().add("X-Model-Version", sha);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private ModelStoreClient client(int port, Retry retry) {
        return ModelStoreClient.builder(URI.create("http://127.0.0.1:" + port))
                .cacheDir(cache)
                .retry(retry)
                .build();
    }

    @Test
    void fetchDownloadsVerifiesAndCachesByHash() throws Exception {
        int port = startStore(0);
        ModelFiles files = client(port, FAST).fetch("m");
        assertThat(files.sha256()).isEqualTo(sha);
        assertThat(files.fromCache()).isFalse();
        assertThat(files.cfg()).isEqualTo(cache.resolve(sha).resolve("m.cfg"));
        assertThat(Files.readAllBytes(files.weights())).isEqualTo(weights);

        ModelFiles again = client(port, FAST).fetch("m", sha);
        assertThat(again.fromCache()).isTrue();
        assertThat(downloads).hasValue(1);
        try (var left = Files.list(cache)) {
            assertThat(left).containsExactly(cache.resolve(sha));
        }
    }

    @Test
    void cachedVersionNeedsNoNetwork() throws Exception {
        int port = startStore(0);
        client(port, FAST).fetch("m", sha);
        server.stop(0);
        server = null;
        ModelFiles files = client(port, Retry.never()).fetch("m", sha);
        assertThat(files.fromCache()).isTrue();
    }

    @Test
    void retriesWhileTheStoreIsDownThenFetches() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        int freePort = port;
        Thread starter = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(500);
                startStore(freePort);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        ModelFiles files = client(port, FAST).fetch("m", sha);
        starter.join();
        assertThat(files.fromCache()).isFalse();
        assertThat(Files.readAllBytes(files.cfg())).isEqualTo(cfg);
    }

    @Test
    void givesUpAfterTheRetryPolicyWhenTheStoreStaysDown() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Retry three = Retry.backoff(Duration.ofMillis(20), Duration.ofMillis(20))
                .multiplier(1)
                .maxAttempts(3);
        long start = System.nanoTime();
        assertThatThrownBy(() -> client(port, three).fetch("m", sha))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("unreachable");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(40));
    }

    @Test
    void unknownModelFailsAtOnceWithTheStatus() throws Exception {
        int port = startStore(0);
        assertThatThrownBy(() -> client(port, FAST).fetch("other"))
                .isInstanceOfSatisfying(
                        ModelStoreException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void bytesThatDoNotMatchTheirHashAreNeverCached() throws Exception {
        int port = startStore(0);
        corrupt = true;
        assertThatThrownBy(() -> client(
                                port,
                                Retry.backoff(Duration.ZERO, Duration.ZERO).maxAttempts(2))
                        .fetch("m", sha))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("ETag");
        assertThat(downloads).hasValue(2);
        try (var left = Files.list(cache)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void damagedCacheEntryIsFetchedAgain() throws Exception {
        int port = startStore(0);
        ModelFiles files = client(port, FAST).fetch("m", sha);
        Files.write(files.weights(), new byte[] {1, 2, 3});
        ModelFiles again = client(port, FAST).fetch("m", sha);
        assertThat(again.fromCache()).isFalse();
        assertThat(Files.readAllBytes(again.weights())).isEqualTo(weights);
    }

    private static String hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
