package dev.nightmare.gateway.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.ModelCatalog;
import dev.nightmare.gateway.service.ModelStoreUnavailableException;
import dev.nightmare.modelclient.ModelStoreClient;
import dev.nightmare.modelclient.ModelStoreException;
import dev.nightmare.retry.Retry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@link ModelCatalog} over the model-store, through the shared {@link ModelStoreClient} (metadata
 * and cfg text only; the gateway never downloads weights). No retries: a submission answers 503
 * at once when the model-store is down instead of holding the client. Metadata is reused for a
 * short TTL so a burst of submissions costs the model-store one request; parsed cfgs are kept by
 * sha256 for good (a version never changes).
 */
@ApplicationScoped
public class ModelStoreCatalog implements ModelCatalog {
    private static final Logger LOG = Logger.getLogger(ModelStoreCatalog.class);

    private final ModelStoreClient client;
    private final Duration ttl;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Cached> metadata = new ConcurrentHashMap<>();
    private final Map<String, NetworkSpec> specs = new ConcurrentHashMap<>();

    private record Cached(Optional<ModelInfo> model, long expiresAtNanos) {}

    public ModelStoreCatalog(GatewayConfig config) {
        GatewayConfig.ModelStore store = config.modelStore();
        Duration timeout = Duration.ofMillis(store.timeoutMillis());
        this.ttl = store.metadataTtl();
        this.client = ModelStoreClient.builder(URI.create(store.url()))
                .token(store.token().orElse(null))
                .retry(Retry.never())
                .connectTimeout(timeout)
                .requestTimeout(timeout)
                // Required by the client for weights; the gateway fetches none.
                .cacheDir(Path.of(System.getProperty("java.io.tmpdir"), "nightmare-gateway-models"))
                .build();
    }

    @Override
    public List<ModelInfo> list() {
        JsonNode body = read("GET /v1/models", client::list);
        JsonNode items = body.isArray() ? body : body.has("models") ? body.get("models") : body.path("items");
        List<ModelInfo> models = new ArrayList<>();
        for (JsonNode item : items) {
            // The list holds summaries; the details (layers, last targetable layer) are per model.
            find(item.path("name").asText()).ifPresent(models::add);
        }
        return models;
    }

    @Override
    public Optional<ModelInfo> find(String name) {
        long now = System.nanoTime();
        Cached cached = metadata.get(name);
        if (cached != null && cached.expiresAtNanos - now > 0) {
            return cached.model;
        }
        Optional<ModelInfo> model;
        try {
            model = Optional.of(read("GET /v1/models/" + name, () -> client.metadata(name)))
                    // A model the store lists but cannot serve (not ready) has no version yet.
                    .filter(node -> node.hasNonNull("sha256") && node.hasNonNull("lastTargetableLayer"))
                    .map(ModelStoreCatalog::toInfo);
        } catch (NotFound e) {
            model = Optional.empty();
        }
        metadata.put(name, new Cached(model, now + ttl.toNanos()));
        return model;
    }

    @Override
    public NetworkSpec spec(ModelInfo model) {
        return specs.computeIfAbsent(model.sha256(), sha -> {
            String cfg = text("cfg of " + model.name(), () -> client.cfg(model.name(), sha));
            return NetworkSpec.parse(
                    model.name() + ".cfg", cfg, warning -> LOG.debugf("%s: %s", model.name(), warning));
        });
    }

    private static ModelInfo toInfo(JsonNode node) {
        return new ModelInfo(
                node.path("name").asText(),
                node.path("sha256").asText(),
                node.path("lastTargetableLayer").asInt(-1),
                node);
    }

    private interface Call {
        String get() throws IOException, InterruptedException;
    }

    /** 404 from the store: the model (or version) does not exist. */
    private static final class NotFound extends RuntimeException {
        NotFound() {
            super(null, null, false, false);
        }
    }

    private JsonNode read(String what, Call call) {
        String text = text(what, call);
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new ModelStoreUnavailableException("model-store: invalid JSON for " + what, e);
        }
    }

    private static String text(String what, Call call) {
        try {
            return call.get();
        } catch (ModelStoreException e) {
            if (e.status() == 404) {
                throw new NotFound();
            }
            throw new ModelStoreUnavailableException("model-store: " + what + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelStoreUnavailableException("model-store: " + what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelStoreUnavailableException("model-store: interrupted", e);
        }
    }
}
