package dev.nightmare.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.modelclient.ModelFiles;
import dev.nightmare.modelclient.ModelStoreClient;
import dev.nightmare.modelclient.ModelStoreException;
import dev.nightmare.platform.testing.TestDirs;
import dev.nightmare.retry.Retry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The model-client against the real model-store (same resources as ModelStoreIT: one app start). */
@QuarkusTest
@WithTestResource(value = ModelsTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = ModelsS3TestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class ModelStoreClientIT {
    private static final Retry FAST = Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(500))
            .multiplier(2)
            .maxAttempts(20);

    @TestHTTPResource("/")
    URL store;

    private Path cache;

    @BeforeEach
    void setUp() throws Exception {
        StoreReady.await();
        cache = TestDirs.create("model-cache");
    }

    private ModelStoreClient client(URI base, Retry retry) {
        return ModelStoreClient.builder(base)
                .token(ModelsTestResource.SERVICE_TOKEN)
                .cacheDir(cache)
                .retry(retry)
                .build();
    }

    @Test
    void fetchesTheCurrentVersionVerifiedAndReadyForTheEngine() throws Exception {
        ModelFiles files = client(store.toURI(), FAST).fetch("vgg-conv");
        Path cfg = Shared.models().resolve("vgg-conv.cfg");
        String expected = Model.sha256(cfg, Shared.syntheticWeights("vgg-conv"));
        assertThat(files.sha256()).isEqualTo(expected);
        assertThat(files.fromCache()).isFalse();
        assertThat(files.weights()).isEqualTo(cache.resolve(expected).resolve("vgg-conv.weights"));
        Model model = Model.load(files.cfg(), files.weights(), w -> {});
        assertThat(model.sha256()).isEqualTo(expected);
        assertThat(model.name()).isEqualTo("vgg-conv");
    }

    @Test
    void cachedVersionIsUsedWithoutTheNetwork() throws Exception {
        String sha = client(store.toURI(), FAST).fetch("tiny").sha256();
        int deadPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            deadPort = probe.getLocalPort();
        }
        ModelStoreClient offline = client(URI.create("http://127.0.0.1:" + deadPort), Retry.never());
        ModelFiles files = offline.fetch("tiny", sha);
        assertThat(files.fromCache()).isTrue();
        assertThatThrownBy(() -> offline.fetch("tiny")).isInstanceOf(ModelStoreException.class);
    }

    @Test
    void retriesWhileTheStoreIsUnreachableThenFetches() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Duration down = Duration.ofMillis(1500);
        try (DelayedForwarder forwarder = new DelayedForwarder(port, store.getPort(), down)) {
            long start = System.nanoTime();
            ModelFiles files = client(URI.create("http://127.0.0.1:" + forwarder.port()), FAST)
                    .fetch("tiny");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(down);
            assertThat(files.fromCache()).isFalse();
            assertThat(Model.load(files.cfg(), files.weights(), w -> {}).sha256())
                    .isEqualTo(files.sha256());
        }
    }

    @Test
    void unknownModelOrVersionFailsWithoutRetrying() throws Exception {
        ModelStoreClient client = client(store.toURI(), FAST);
        assertThatThrownBy(() -> client.fetch("no-such-model"))
                .isInstanceOfSatisfying(
                        ModelStoreException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> client.fetch("tiny", "0".repeat(64)))
                .isInstanceOfSatisfying(
                        ModelStoreException.class, e -> assertThat(e.status()).isEqualTo(404));
        ModelStoreClient anonymous = ModelStoreClient.builder(store.toURI())
                .cacheDir(cache)
                .retry(FAST)
                .build();
        assertThatThrownBy(() -> anonymous.cfg("tiny"))
                .isInstanceOfSatisfying(
                        ModelStoreException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void readsCfgAndMetadataForTheGateway() throws Exception {
        ModelStoreClient client = client(store.toURI(), FAST);
        assertThat(client.cfg("tiny")).startsWith("[net]");
        String sha = client.currentVersion("tiny");
        assertThat(client.cfg("tiny", sha)).isEqualTo(client.cfg("tiny"));
        assertThat(client.metadata("tiny"))
                .contains("\"lastTargetableLayer\":21")
                .contains(sha);
        assertThat(client.metadata("tiny", sha)).contains("\"layers\"");
        assertThat(client.list()).contains("\"s3-tiny\"");
    }
}
