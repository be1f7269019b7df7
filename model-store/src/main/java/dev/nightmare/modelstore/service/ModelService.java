package dev.nightmare.modelstore.service;

import dev.nightmare.modelstore.InvalidModelException;
import dev.nightmare.modelstore.ModelEntry;
import dev.nightmare.modelstore.ModelVersion;
import dev.nightmare.modelstore.config.ModelStoreConfig;
import dev.nightmare.modelstore.config.ModelStoreConfig.UploadTarget;
import dev.nightmare.s3.S3Bucket;
import dev.nightmare.s3.S3Config;
import dev.nightmare.s3.S3Settings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Loads the models at start-up (the local versions, then the models directory, then the bucket:
 * a name found in both sources is served from the bucket) and publishes uploads. Every model goes
 * through the same gate: streamed into staging, validated with the engine's parser, published as
 * an immutable version, then made current in the {@link ModelCatalog}.
 */
@ApplicationScoped
public class ModelService {
    private static final Logger LOG = Logger.getLogger(ModelService.class);

    @Inject
    ModelStoreConfig config;

    @Inject
    S3Config s3Config;

    @Inject
    ModelCatalog catalog;

    @Inject
    MeterRegistry registry;

    private VersionStore store;
    private S3Models s3;
    private final ReentrantLock uploads = new ReentrantLock();

    /** The result of an upload: the version and whether it is new. */
    public record Upload(ModelVersion version, boolean created) {}

    void onStart(@Observes StartupEvent event) {
        store = new VersionStore(config.dataDir());
        s3 = config.bucket().map(this::s3Models).orElse(null);
        Gauge.builder("nightmare.model-store.models", catalog, c -> c.count(true))
                .tag("status", "ready")
                .register(registry);
        Gauge.builder("nightmare.model-store.models", catalog, c -> c.count(false))
                .tag("status", "broken")
                .register(registry);
        // Scanning hashes every weights file; readiness stays DOWN until it is done.
        Thread.ofVirtual().name("model-scan").start(this::scan);
    }

    private S3Models s3Models(String bucket) {
        S3Settings settings;
        try {
            settings = s3Config.settings().withBucket(bucket);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("nightmare.model-store.bucket is set but " + e.getMessage(), e);
        }
        // Weights files are large: the timeout bounds one socket read or write, not the download.
        return new S3Models(S3Bucket.connect(settings, Duration.ofSeconds(30))
                .under(config.prefix().orElse("")));
    }

    void scan() {
        long start = System.nanoTime();
        try {
            for (ModelVersion version : store.loadAll()) {
                catalog.addVersion(version);
            }
            config.modelsDir().ifPresent(this::scanDirectory);
            if (s3 != null) {
                scanBucket();
            }
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "model scan failed; serving what was loaded");
        } finally {
            catalog.markScanned();
            LOG.infof(
                    "scanned models in %d ms: %d ready, %d broken",
                    (System.nanoTime() - start) / 1_000_000, catalog.count(true), catalog.count(false));
        }
    }

    private void scanDirectory(Path dir) {
        String source = "directory " + dir;
        if (!Files.isDirectory(dir)) {
            LOG.errorf("models directory %s does not exist", dir);
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path cfg : files.filter(f -> f.getFileName().toString().endsWith(".cfg") && Files.isRegularFile(f))
                    .sorted()
                    .toList()) {
                String name = stripCfg(cfg.getFileName().toString());
                Path weights = dir.resolve(name + ".weights");
                if (!Files.exists(weights)) {
                    publish(ModelEntry.broken(name, name + ".weights is missing beside " + name + ".cfg", source));
                    continue;
                }
                load(name, ModelValidator.files(cfg, weights, dir.resolve(name + ".json")), source);
            }
        } catch (IOException e) {
            LOG.errorf(e, "cannot list %s", dir);
        }
    }

    private void scanBucket() throws IOException {
        String source = s3.describe();
        if (!s3.ensureBucket()) {
            // Nothing to load; created so uploads have somewhere to go (MinIO and s3proxy start empty).
            LOG.warnf("bucket %s did not exist; created it", source);
            return;
        }
        List<String> keys = s3.list("", false);
        Set<String> present = new HashSet<>(keys);
        for (String key : keys.stream().sorted().toList()) {
            if (!key.endsWith(".cfg")) {
                continue;
            }
            String name = stripCfg(key);
            if (!present.contains(name + ".weights")) {
                publish(ModelEntry.broken(name, name + ".weights is missing beside " + name + ".cfg", source));
                continue;
            }
            load(name, s3Inputs("", name, present.contains(name + ".json")), source);
        }
        // Versions uploaded earlier (possibly through another replica) that this disk lacks.
        List<String> versionKeys = s3.list(S3Models.VERSIONS, true);
        Set<String> versionSet = new HashSet<>(versionKeys);
        for (String key : versionKeys) {
            String[] parts = key.substring(S3Models.VERSIONS.length()).split("/");
            if (parts.length != 2 || !parts[1].endsWith(".cfg") || store.contains(stripCfg(parts[1]), parts[0])) {
                continue;
            }
            String name = stripCfg(parts[1]);
            String dir = S3Models.VERSIONS + parts[0] + "/";
            try {
                ModelVersion version =
                        store.ingest(name, s3Inputs(dir, name, versionSet.contains(dir + name + ".json")));
                catalog.addVersion(version);
            } catch (InvalidModelException | IOException e) {
                LOG.warnf("ignoring version %s%s: %s", source, dir, e.getMessage());
            }
        }
    }

    private ModelValidator.Inputs s3Inputs(String dir, String name, boolean hasMetadata) {
        return new ModelValidator.Inputs() {
            @Override
            public InputStream cfg() throws IOException {
                return s3.open(dir + name + ".cfg");
            }

            @Override
            public InputStream weights() throws IOException {
                return s3.open(dir + name + ".weights");
            }

            @Override
            public InputStream metadata() throws IOException {
                return hasMetadata ? s3.open(dir + name + ".json") : null;
            }
        };
    }

    private void load(String name, ModelValidator.Inputs inputs, String source) {
        try {
            publish(ModelEntry.ready(store.ingest(name, inputs), source));
        } catch (InvalidModelException e) {
            publish(ModelEntry.broken(name, e.getMessage(), source));
        } catch (IOException e) {
            publish(ModelEntry.broken(name, "cannot be read: " + e.getMessage(), source));
        }
    }

    private void publish(ModelEntry entry) {
        Optional<ModelEntry> previous = catalog.get(entry.name());
        if (previous.isPresent() && !previous.get().source().equals(entry.source())) {
            LOG.warnf(
                    "%s is in %s and in %s; serving the latter",
                    entry.name(), previous.get().source(), entry.source());
        }
        catalog.put(entry);
        if (entry.isReady()) {
            LOG.infof(
                    "model %s ready: version %s from %s",
                    entry.name(), entry.current().sha256(), entry.source());
        } else {
            LOG.warnf("model %s broken (not served): %s", entry.name(), entry.reason());
        }
    }

    /**
     * Validates an uploaded model and, if valid, publishes it as a new version and makes it the
     * current one. Invalid uploads change nothing.
     *
     * @throws InvalidModelException the reason it cannot be served
     */
    public Upload upload(String name, Path cfg, Path weights, Path metadata) throws InvalidModelException, IOException {
        uploads.lock();
        try {
            ModelVersion version = store.ingest(name, ModelValidator.files(cfg, weights, metadata));
            boolean created = catalog.version(name, version.sha256()).isEmpty();
            Path versionDir = store.directory(name, version.sha256());
            Path json = versionDir.resolve(name + ".json");
            if (uploadTarget() == UploadTarget.S3) {
                String dir = S3Models.VERSIONS + version.sha256() + "/";
                // The version first (cfg last marks it complete), then the current files.
                s3.put(dir + name + ".weights", version.weightsFile());
                if (Files.exists(json)) {
                    s3.put(dir + name + ".json", json);
                }
                s3.put(dir + name + ".cfg", version.cfgFile());
                s3.put(name + ".weights", version.weightsFile());
                if (Files.exists(json)) {
                    s3.put(name + ".json", json);
                } else {
                    s3.remove(name + ".json");
                }
                s3.put(name + ".cfg", version.cfgFile());
                catalog.put(ModelEntry.ready(version, s3.describe()));
            } else {
                Path dir = config.modelsDir()
                        .orElseThrow(() -> new IllegalStateException(
                                "uploads go to the models directory but nightmare.model-store.models-dir is not set"));
                Files.createDirectories(dir);
                replace(version.weightsFile(), dir.resolve(name + ".weights"));
                if (Files.exists(json)) {
                    replace(json, dir.resolve(name + ".json"));
                } else {
                    Files.deleteIfExists(dir.resolve(name + ".json"));
                }
                replace(version.cfgFile(), dir.resolve(name + ".cfg"));
                catalog.put(ModelEntry.ready(version, "directory " + dir));
            }
            LOG.infof("model %s uploaded: version %s%s", name, version.sha256(), created ? "" : " (already known)");
            return new Upload(version, created);
        } finally {
            uploads.unlock();
        }
    }

    /** Where uploads are published. */
    public UploadTarget uploadTarget() {
        return config.uploadTarget().orElse(s3 != null ? UploadTarget.S3 : UploadTarget.DIRECTORY);
    }

    /** Copies {@code from} over {@code to} through a temporary sibling, so readers see old or new. */
    private static void replace(Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling("." + to.getFileName() + ".uploading");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String stripCfg(String file) {
        return file.substring(0, file.length() - ".cfg".length());
    }

    /** For tests and the health check: the store's local directory. */
    VersionStore store() {
        if (store == null) {
            throw new UncheckedIOException(new IOException("not started"));
        }
        return store;
    }
}
