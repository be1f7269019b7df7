package dev.nightmare.worker.service;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.retry.Retry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The model versions this worker can dream with, each loaded once with an open session on the
 * backend (weights uploaded once). The served models are loaded at start-up and kept; any other
 * version a job pins is fetched by hash on first use and kept among the {@code extraSessions} most
 * recently used. A job that asks for the exact batch-norm gradient on a batch-normalised model
 * gets a second session of that version opened with it, kept among the extra ones too (models
 * without batch norm compute the same either way and use their one session). Used by one job at a
 * time.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    /** A model version open on a backend. */
    public record Loaded(Model model, DreamSession session, Backend backend) {}

    private final Backend backend;
    private final ModelFetcher fetcher;
    private final Retry retry;
    private final int extraSessions;
    private final Supplier<Backend> cpuBackendFactory;
    private final Map<String, Loaded> served = new LinkedHashMap<>();
    private final LinkedHashMap<String, Loaded> extra = new LinkedHashMap<>(8, 0.75f, true);
    private final Map<String, Loaded> onCpu = new LinkedHashMap<>();
    private Backend cpuBackend;

    /**
     * @param cpuBackendFactory creates the CPU backend used after a GPU out-of-memory (called at
     *     most once, on first need)
     */
    public ModelRegistry(
            Backend backend,
            ModelFetcher fetcher,
            Retry retry,
            int extraSessions,
            Supplier<Backend> cpuBackendFactory) {
        this.backend = backend;
        this.fetcher = fetcher;
        this.retry = retry.retryOn(TransientException.class::isInstance);
        // At least one: the session just opened for a job stays open while that job runs.
        this.extraSessions = Math.max(1, extraSessions);
        this.cpuBackendFactory = cpuBackendFactory;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Fetches and opens the current version of every served model, retrying transient failures
     * until {@code stop} says to give up.
     */
    public void loadServed(List<String> names, BooleanSupplier stop) {
        for (String name : names) {
            // The served models are what the worker is for: wait for the model-store as long as it takes.
            Retry untilServed = retry.forever().logRetriesAt(System.Logger.Level.WARNING);
            String sha = untilServed.call("current version of " + name, () -> fetcher.currentVersion(name), stop);
            ModelFetcher.ModelFiles files = untilServed.call("model " + name, () -> fetcher.fetch(name, sha), stop);
            Loaded loaded = open(files, backend);
            synchronized (this) {
                served.put(sha, loaded);
            }
            LOG.infof("serving model %s version %s on %s", name, sha, backend.name());
        }
    }

    /** {@code name = sha256} of every served model. */
    public synchronized List<String> servedVersions() {
        List<String> versions = new ArrayList<>();
        served.values()
                .forEach(l -> versions.add(l.model().name() + "=" + l.model().sha256()));
        return versions;
    }

    /**
     * The model version, open on the main backend.
     *
     * @throws UnknownModelException when the model-store does not have it
     * @throws TransientException when the model-store cannot be reached (after retries)
     */
    public synchronized Loaded get(String name, String sha256, BooleanSupplier stop) {
        Loaded loaded = served.get(sha256);
        if (loaded == null) {
            loaded = extra.get(sha256);
        }
        if (loaded != null) {
            if (!loaded.model().name().equals(name)) {
                throw new UnknownModelException(
                        "model version " + sha256 + " is '" + loaded.model().name() + "', not '" + name + "'");
            }
            return loaded;
        }
        ModelFetcher.ModelFiles files =
                retry.call("model " + name + "@" + sha256, () -> fetcher.fetch(name, sha256), stop);
        loaded = open(files, backend);
        extra.put(sha256, loaded);
        evictExtra();
        return loaded;
    }

    /**
     * {@link #get(String, String, BooleanSupplier)} with the session opened for {@code batchNorm}:
     * darknet's is every model's first session; the exact one a second session of a
     * batch-normalised model (its weights are shared in the heap, uploaded again to the backend).
     */
    public synchronized Loaded get(String name, String sha256, BatchNormGradient batchNorm, BooleanSupplier stop) {
        Loaded darknets = get(name, sha256, stop);
        if (!needsOwnSession(darknets.model(), batchNorm)) {
            return darknets;
        }
        String key = exactKey(sha256);
        Loaded exact = extra.get(key);
        if (exact == null) {
            exact = new Loaded(darknets.model(), backend.open(darknets.model(), options(batchNorm)), backend);
            extra.put(key, exact);
            evictExtra();
            LOG.infof(
                    "opened model %s version %s with the exact batch-norm gradient",
                    darknets.model().name(), sha256);
        }
        return exact;
    }

    /** Only batch-normalised models compute differently with the exact gradient. */
    private static boolean needsOwnSession(Model model, BatchNormGradient batchNorm) {
        return batchNorm == BatchNormGradient.EXACT
                && model.spec().layers().stream()
                        .anyMatch(l -> l instanceof ConvolutionalSpec conv && conv.batchNormalize());
    }

    private static SessionOptions options(BatchNormGradient batchNorm) {
        return new SessionOptions(batchNorm, SessionOptions.DEFAULT.forwardArithmetic());
    }

    private static String exactKey(String sha256) {
        return sha256 + "+exact-bn";
    }

    /**
     * The native memory a job on {@code loaded} may hold: its backend's budget ({@link
     * Backend#nativeBudget}) less what the backend's other open sessions keep between jobs (their
     * weights and kept per-size preparations). A job whose {@link Backend#estimateWorkingSet}
     * exceeds it would pass the budget; the admission rule refuses it. {@link Long#MAX_VALUE} when
     * the backend has no budget.
     */
    public synchronized long nativeBytesAvailable(Loaded loaded) {
        Backend b = loaded.backend();
        if (b.nativeBudget() == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long others = b.nativeBytes() - loaded.session().nativeBytes();
        return Math.max(0, b.nativeBudget() - others);
    }

    /** Native memory the open sessions hold now, on the main and the CPU fallback backend. */
    public synchronized long nativeBytes() {
        return backend.nativeBytes() + (cpuBackend == null ? 0 : cpuBackend.nativeBytes());
    }

    /** The model version on the CPU fallback backend (after a GPU out-of-memory), with {@code batchNorm}. */
    public synchronized Loaded onCpu(String name, String sha256, BatchNormGradient batchNorm, BooleanSupplier stop) {
        Loaded main = get(name, sha256, stop);
        boolean own = needsOwnSession(main.model(), batchNorm);
        String key = own ? exactKey(sha256) : sha256;
        Loaded cpu = onCpu.get(key);
        if (cpu != null) {
            return cpu;
        }
        if (cpuBackend == null) {
            cpuBackend = cpuBackendFactory.get();
            LOG.infof("CPU fallback backend %s on %s", cpuBackend.name(), cpuBackend.device());
        }
        SessionOptions options = own ? options(batchNorm) : SessionOptions.DEFAULT;
        cpu = new Loaded(main.model(), cpuBackend.open(main.model(), options), cpuBackend);
        onCpu.put(key, cpu);
        return cpu;
    }

    private void evictExtra() {
        Iterator<Map.Entry<String, Loaded>> it = extra.entrySet().iterator();
        while (extra.size() > extraSessions && it.hasNext()) {
            Map.Entry<String, Loaded> entry = it.next();
            Loaded eldest = entry.getValue();
            String key = entry.getKey();
            it.remove();
            eldest.session().close();
            Loaded cpu = onCpu.remove(key);
            if (cpu != null) {
                cpu.session().close();
            }
            LOG.infof(
                    "closed model %s version %s (least recently used)",
                    eldest.model().name(), eldest.model().sha256());
        }
    }

    private static Loaded open(ModelFetcher.ModelFiles files, Backend backend) {
        Model model;
        try {
            model = Model.load(
                    files.cfg(), files.weights(), warning -> LOG.debugf("model %s: %s", files.name(), warning));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model files of " + files.name(), e);
        }
        if (!model.sha256().equals(files.sha256())) {
            throw new IllegalStateException("model " + files.name() + " on disk has version " + model.sha256()
                    + ", expected " + files.sha256());
        }
        return new Loaded(model, backend.open(model, SessionOptions.DEFAULT), backend);
    }

    @Override
    public synchronized void close() {
        for (Map<String, Loaded> sessions : List.of(served, extra, onCpu)) {
            sessions.values().forEach(l -> l.session().close());
            sessions.clear();
        }
        if (cpuBackend != null) {
            cpuBackend.close();
        }
    }
}
