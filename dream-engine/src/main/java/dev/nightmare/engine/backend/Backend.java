package dev.nightmare.engine.backend;

import dev.nightmare.engine.model.Model;
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

    @Override
    void close();
}
