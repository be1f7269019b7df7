package dev.nightmare.engine.backend;

import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import java.util.Optional;

/**
 * A place to dream: the reference Java code, oneDNN on the CPU, cuDNN on a GPU. A backend opens a
 * {@link DreamSession} per model, uploading its weights once. Backends are found through {@link
 * BackendProvider} and chosen by {@link Backends}; they are passed to whoever needs them, never
 * looked up globally.
 */
public interface Backend extends AutoCloseable {
    /** Stable short name, as {@code --backend} takes it: {@code reference}, {@code onednn}, … */
    String name();

    /** What it runs on, for logs and run reports (e.g. "Java, 2 threads", "NVIDIA H100 80GB"). */
    String device();

    /**
     * Uploads the model's weights and prepares to run it. A session's runs throw {@link
     * OutOfDeviceMemoryException} for work that does not fit in the device's memory.
     */
    DreamSession open(Model model, SessionOptions options);

    /**
     * The device's memory now, for backends that own a device with its own memory (a GPU); empty for
     * those that dream in the process's memory. Call it on a thread that runs the backend's sessions.
     */
    default Optional<DeviceMemoryReading> deviceMemory() {
        return Optional.empty();
    }

    /**
     * Brings the backend's code to full speed before real work: runs a short synthetic dream so
     * that everything a JIT compiles on first use is compiled (results never depend on it). Blocks
     * until done; may run beside sessions of other threads. Worth it in a long-lived process (a
     * worker, before it reports ready; a benchmark); a short run is faster without it.
     */
    default void warmUp() {}

    /**
     * Native (off-heap, host) memory this backend's open sessions hold now: weights in the backend's
     * layouts, per-size preparations and working buffers. 0 for backends that keep everything on
     * the Java heap or on a device.
     */
    default long nativeBytes() {
        return 0;
    }

    /**
     * The most native memory this backend's sessions may hold together ({@link Long#MAX_VALUE}: no
     * limit). A session that would pass it first drops its least recently used per-size
     * preparations, then refuses with {@link OutOfDeviceMemoryException}.
     */
    default long nativeBudget() {
        return Long.MAX_VALUE;
    }

    /**
     * The native memory a session of this backend holds while it runs one job, in bytes: the
     * model's weights as the backend lays them out for layers {@code 0..targetLayer}, the working
     * buffers of the largest working size ({@code width × height}, octave 0) and what is prepared
     * for each of the {@code octaves} working sizes. For admission: a job whose estimate, plus what
     * the backend's other sessions keep between runs, exceeds {@link #nativeBudget()} cannot run
     * here. Pass the deepest layer the job can target (with {@code -range}, the highest of the
     * range). Computed from the cfg alone (nothing is allocated); 0 for backends that hold no
     * native memory of their own.
     *
     * @throws dev.nightmare.engine.model.ShapeException if the network cannot run at that size
     */
    default long estimateWorkingSet(NetworkSpec spec, int targetLayer, int width, int height, int octaves) {
        return 0;
    }

    @Override
    void close();
}
