package dev.nightmare.engine.cpu.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_set_primitive_cache_capacity;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;
import static org.bytedeco.dnnl.global.dnnl.dnnl_version;

import java.lang.invoke.MethodHandle;
import java.util.Optional;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.javacpp.Loader;

/**
 * Loads oneDNN's natives once per JVM and owns a CPU engine (sessions make their own streams).
 * Loading never crashes the JVM: a missing library or another platform becomes a reason string
 * for the provider.
 */
final class OneDnnRuntime implements AutoCloseable {
    private static Optional<String> loadFailure;
    private static String version;
    private static Optional<MethodHandle> setNumThreads = Optional.empty();

    final dnnl_engine engine = new dnnl_engine();
    private final int threads;
    /** The OpenMP thread count last set on the calling thread (a per-thread setting); 0: never set. */
    private final ThreadLocal<int[]> ompThreads = ThreadLocal.withInitial(() -> new int[1]);

    /** Empty when the natives loaded (loading them on first call), else why not. */
    static synchronized Optional<String> load(int threads) {
        if (loadFailure == null) {
            try {
                OpenMp.presetEnvironment(threads);
                Loader.load(org.bytedeco.dnnl.global.dnnl.class);
                dnnl_version_t v = dnnl_version();
                version = v.major() + "." + v.minor() + "." + v.patch();
                setNumThreads = OpenMp.setNumThreads();
                loadFailure = Optional.empty();
            } catch (Throwable e) {
                // LinkageError (no natives for this OS/arch), or a RuntimeException from JavaCPP's loader.
                loadFailure = Optional.of("oneDNN natives did not load on " + System.getProperty("os.name") + "/"
                        + System.getProperty("os.arch") + ": " + e);
            }
        }
        return loadFailure;
    }

    static String version() {
        return version;
    }

    OneDnnRuntime(int threads) {
        this(threads, OneDnnBackendProvider.DEFAULT_PRIMITIVE_CACHE);
    }

    /** @param primitiveCache primitives oneDNN's process-wide cache keeps (set for the process) */
    OneDnnRuntime(int threads, int primitiveCache) {
        load(threads).ifPresent(reason -> {
            throw new dev.nightmare.engine.backend.BackendUnavailableException(reason);
        });
        this.threads = threads;
        check(dnnl_set_primitive_cache_capacity(primitiveCache), "setting the primitive cache capacity");
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "creating the CPU engine");
    }

    int threads() {
        return threads;
    }

    /** A new in-order stream; each session has its own, so sessions may run on different threads at once. */
    Handle<dnnl_stream> newStream() {
        return Dnnl.stream(engine);
    }

    /** Fixes OpenMP's thread count for the calling thread to the backend's (a per-thread setting). */
    void pinThreads() {
        ompThreads(threads);
    }

    /** Whether {@link #ompThreads} works: libgomp's {@code omp_set_num_threads} was found. */
    boolean canSetThreads() {
        return setNumThreads.isPresent();
    }

    /**
     * Sets OpenMP's thread count for the calling thread (no call when already so): oneDNN then runs
     * primitives created and executed on it with that many threads.
     */
    void ompThreads(int n) {
        int[] current = ompThreads.get();
        if (current[0] != n && setNumThreads.isPresent()) {
            try {
                setNumThreads.get().invokeExact(n);
            } catch (Throwable e) {
                throw new IllegalStateException("omp_set_num_threads failed", e);
            }
            current[0] = n;
        }
    }

    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN: " + what + " failed with status " + status);
        }
    }

    @Override
    public void close() {
        dnnl_engine_destroy(engine);
    }
}
