package dev.nightmare.modelclient;

import dev.nightmare.contracts.ModelNames;
import dev.nightmare.engine.model.Model;
import dev.nightmare.retry.Retry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fetches model versions from the model-store for a worker's start-up: a version's cfg and weights
 * are downloaded once, their SHA-256s checked against the store's ETags and the version id, and
 * kept in {@code <cacheDir>/<sha256>/NAME.cfg|weights} (written to a temporary directory, then
 * renamed), so a restart — even with the store down — finds them without the network. Requests
 * are retried with bounded exponential backoff ({@link #DEFAULT_RETRY}) while the store is unreachable or
 * answers 5xx; 4xx answers (unknown model or version, bad token) fail at once.
 *
 * <pre>{@code
 * ModelStoreClient store = ModelStoreClient.builder(URI.create("http://model-store:8082"))
 *         .token(System.getenv("MODEL_STORE_TOKEN")).cacheDir(Path.of("/var/cache/models")).build();
 * ModelFiles files = store.fetch("vgg-conv", job.modelSha256());
 * Model model = Model.load(files.cfg(), files.weights(), log::warn);
 * }</pre>
 *
 * <p>Thread-safe; concurrent fetches of the same version both succeed (one rename wins).
 */
public final class ModelStoreClient {
    private static final System.Logger LOG = System.getLogger(ModelStoreClient.class.getName());
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Header the store sets on cfg/weights responses: the model version they belong to. */
    static final String MODEL_VERSION = "X-Model-Version";

    private final URI base;
    private final String token;
    private final Path cacheDir;
    /** 12 attempts, 250 ms doubling to 10 s: about 50 s in all, enough for a store to start. */
    public static final Retry DEFAULT_RETRY =
            Retry.backoff(Duration.ofMillis(250), Duration.ofSeconds(10)).maxAttempts(12);

    private final Retry retry;
    private final Duration requestTimeout;
    private final HttpClient http;

    private ModelStoreClient(Builder b) {
        String url = b.baseUri.toString();
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        this.token = b.token;
        this.cacheDir = b.cacheDir.toAbsolutePath().normalize();
        // Only what may pass is retried: the store unreachable, starting, overloaded or failing.
        this.retry = b.retry
                .retryOn(e -> e instanceof ModelStoreException m && m.retryable())
                .logRetriesAt(Level.WARNING);
        this.requestTimeout = b.requestTimeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(b.connectTimeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    /** Settings; only the base URI is required. */
    public static final class Builder {
        private final URI baseUri;
        private String token;
        private Path cacheDir = Path.of("model-cache");
        private Retry retry = DEFAULT_RETRY;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofMinutes(5);

        private Builder(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri);
        }

        /** The bearer token (a service token); null or blank = none (the store's auth is off). */
        public Builder token(String token) {
            this.token = token == null || token.isBlank() ? null : token.strip();
            return this;
        }

        /** Where versions are kept, one directory per SHA-256 (default {@code model-cache}). */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir);
            return this;
        }

        /** The backoff and its limits ({@link Retry#never()}: one attempt); only transient failures are retried. */
        public Builder retry(Retry retry) {
            this.retry = Objects.requireNonNull(retry);
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Limit for one whole request, body included (default 5 min: weights are large). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        public ModelStoreClient build() {
            return new ModelStoreClient(this);
        }
    }

    /** The current version of {@code name}, as fetched by {@link #fetch(String, String)}. Needs the store. */
    public ModelFiles fetch(String name) throws IOException, InterruptedException {
        return fetch(name, currentVersion(name));
    }

    /**
     * The version {@code sha256} of {@code name} on local disk: from the cache when it is there and
     * intact (no network), else downloaded, verified and cached.
     *
     * @throws ModelStoreException unknown model/version (404), refused (401/403), the store stayed
     *     unreachable for the whole retry policy, or it kept sending bytes with another hash
     */
    public ModelFiles fetch(String name, String sha256) throws IOException, InterruptedException {
        checkName(name);
        checkSha(sha256);
        Path dir = cacheDir.resolve(sha256);
        Path cfg = dir.resolve(name + ".cfg");
        Path weights = dir.resolve(name + ".weights");
        if (Files.isRegularFile(cfg) && Files.isRegularFile(weights)) {
            if (Model.sha256(cfg, weights).equals(sha256)) {
                LOG.log(Level.DEBUG, "model {0} version {1} from cache {2}", name, sha256, dir);
                return new ModelFiles(name, sha256, cfg, weights, true);
            }
            LOG.log(
                    Level.WARNING,
                    "cached model {0} in {1} does not hash to {2}; fetching it again",
                    name,
                    dir,
                    sha256);
            deleteTree(dir);
        }
        return withRetry("fetch " + name + " " + sha256, () -> download(name, sha256));
    }

    /** The SHA-256 of {@code name}'s current version. */
    public String currentVersion(String name) throws IOException, InterruptedException {
        checkName(name);
        return withRetry("resolve " + name, () -> {
            HttpResponse<InputStream> response = send(path("v1/models/" + encode(name) + "/cfg"));
            try (InputStream body = response.body()) {
                body.transferTo(OutputStream.nullOutputStream());
            }
            String version = response.headers().firstValue(MODEL_VERSION).orElse("");
            if (!SHA256.matcher(version).matches()) {
                throw new ModelStoreException(0, "the store sent no " + MODEL_VERSION + " for " + name);
            }
            return version;
        });
    }

    /** The current version's cfg text (the gateway parses it to validate requests). */
    public String cfg(String name) throws IOException, InterruptedException {
        checkName(name);
        return text("v1/models/" + encode(name) + "/cfg");
    }

    /** A version's cfg text. */
    public String cfg(String name, String sha256) throws IOException, InterruptedException {
        checkName(name);
        checkSha(sha256);
        return text("v1/models/" + encode(name) + "/versions/" + sha256 + "/cfg");
    }

    /** {@code GET /v1/models/{name}} as JSON (summary, layer table, versions). */
    public String metadata(String name) throws IOException, InterruptedException {
        checkName(name);
        return text("v1/models/" + encode(name));
    }

    /** {@code GET /v1/models/{name}/versions/{sha256}} as JSON. */
    public String metadata(String name, String sha256) throws IOException, InterruptedException {
        checkName(name);
        checkSha(sha256);
        return text("v1/models/" + encode(name) + "/versions/" + sha256);
    }

    /** {@code GET /v1/models} as JSON. */
    public String list() throws IOException, InterruptedException {
        return text("v1/models");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    private String text(String path) throws IOException, InterruptedException {
        return withRetry("GET " + path, () -> {
            try (InputStream body = send(path(path)).body()) {
                return new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }

    /** Downloads both files into a temporary directory, verifies them, renames it into the cache. */
    private ModelFiles download(String name, String sha256) throws IOException, InterruptedException {
        Files.createDirectories(cacheDir);
        Path tmp = Files.createTempDirectory(cacheDir, "." + sha256.substring(0, 12) + "-");
        try {
            String prefix = "v1/models/" + encode(name) + "/versions/" + sha256 + "/";
            MessageDigest model = digest();
            Path cfg = tmp.resolve(name + ".cfg");
            Path weights = tmp.resolve(name + ".weights");
            downloadFile(path(prefix + "cfg"), cfg, model);
            downloadFile(path(prefix + "weights"), weights, model);
            String got = HexFormat.of().formatHex(model.digest());
            if (!got.equals(sha256)) {
                throw new ModelStoreException(0, "model " + name + " version " + sha256 + " arrived as " + got);
            }
            Path dir = cacheDir.resolve(sha256);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException raced) {
                // A concurrent fetch of the same version won; same bytes by hash.
            }
            LOG.log(Level.INFO, "model {0} version {1} fetched into {2}", name, sha256, dir);
            return new ModelFiles(name, sha256, dir.resolve(name + ".cfg"), dir.resolve(name + ".weights"), false);
        } finally {
            deleteTree(tmp);
        }
    }

    /** Streams one file to disk, checking it against its ETag (the file's SHA-256) as it goes. */
    private void downloadFile(URI uri, Path file, MessageDigest model) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = send(uri);
        String etag = response.headers().firstValue("ETag").orElse("").replace("\"", "");
        MessageDigest own = digest();
        try (InputStream in = response.body();
                OutputStream out = Files.newOutputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                own.update(buffer, 0, n);
                model.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        }
        String got = HexFormat.of().formatHex(own.digest());
        if (!etag.isEmpty() && !etag.equals(got)) {
            throw new ModelStoreException(0, uri + " sent bytes hashing to " + got + " but its ETag is " + etag);
        }
    }

    private HttpResponse<InputStream> send(URI uri) throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(requestTimeout).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ModelStoreException("model-store " + base + " unreachable: " + e, e);
        }
        if (response.statusCode() != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(2000), StandardCharsets.UTF_8);
            }
            throw new ModelStoreException(
                    response.statusCode(), "GET " + uri + " → " + response.statusCode() + ": " + body);
        }
        return response;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException, InterruptedException;
    }

    private <T> T withRetry(String what, Call<T> call) throws IOException, InterruptedException {
        try {
            return retry.call(what, () -> {
                try {
                    return call.run();
                } catch (ModelStoreException e) {
                    throw e;
                } catch (IOException e) {
                    // A connection dropped mid-body is as transient as a refused connection.
                    throw new ModelStoreException(what + " failed: " + e, e);
                }
            });
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("a call threw " + e, e);
        }
    }

    private URI path(String path) {
        return base.resolve(path);
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    private static void checkName(String name) {
        ModelNames.problem(name).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    private static void checkSha(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("'" + sha256 + "' is not a SHA-256 (64 lower-case hex digits)");
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
