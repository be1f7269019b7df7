package dev.nightmare.gateway.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.ModelCatalog;
import dev.nightmare.gateway.service.ModelStoreUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@link ModelCatalog} over the model-store's HTTP API ({@code GET /v1/models}, {@code
 * /v1/models/{name}}, {@code /v1/models/{name}/cfg}). Metadata is reused for a short TTL so a
 * burst of submissions costs the model-store one request; parsed cfgs are kept by sha256 forever
 * (a version never changes).
 */
@ApplicationScoped
public class HttpModelCatalog implements ModelCatalog {
    private static final Logger LOG = Logger.getLogger(HttpModelCatalog.class);

    private final HttpClient http;
    private final String baseUrl;
    private final Duration ttl;
    private final Duration timeout;
    private final Optional<String> token;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Cached> metadata = new ConcurrentHashMap<>();
    private final Map<String, NetworkSpec> specs = new ConcurrentHashMap<>();

    private record Cached(Optional<ModelInfo> model, long expiresAtNanos) {}

    public HttpModelCatalog(GatewayConfig config) {
        this.baseUrl = config.modelStore().url().replaceAll("/+$", "");
        this.ttl = config.modelStore().metadataTtl();
        this.timeout = Duration.ofMillis(config.modelStore().timeoutMillis());
        this.token = config.modelStore().token();
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public List<ModelInfo> list() {
        JsonNode body = getJson("/v1/models").orElseThrow(() -> unavailable("GET /v1/models answered 404", null));
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
        Optional<ModelInfo> model = getJson("/v1/models/" + encode(name))
                .filter(node -> node.hasNonNull("sha256") && node.hasNonNull("lastTargetableLayer"))
                .map(HttpModelCatalog::toInfo);
        metadata.put(name, new Cached(model, now + ttl.toNanos()));
        return model;
    }

    @Override
    public NetworkSpec spec(ModelInfo model) {
        return specs.computeIfAbsent(model.sha256(), sha -> {
            String cfg = get("/v1/models/" + encode(model.name()) + "/versions/" + sha + "/cfg")
                    .orElseThrow(() -> unavailable("the cfg of " + model.name() + " is missing", null));
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

    private Optional<JsonNode> getJson(String path) {
        return get(path).map(text -> {
            try {
                return json.readTree(text);
            } catch (IOException e) {
                throw unavailable("the model-store sent invalid JSON for " + path, e);
            }
        });
    }

    private Optional<String> get(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .GET();
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw unavailable("GET " + path + " answered " + response.statusCode(), null);
            }
            return Optional.of(response.body());
        } catch (IOException e) {
            throw unavailable("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted", e);
        }
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    private static ModelStoreUnavailableException unavailable(String message, Throwable cause) {
        return new ModelStoreUnavailableException("model-store: " + message, cause);
    }
}
