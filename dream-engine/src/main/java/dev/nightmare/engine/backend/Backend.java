package dev.nightmare.engine.backend;

import dev.nightmare.engine.model.Model;

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

    /** Uploads the model's weights and prepares to run it. */
    DreamSession open(Model model, SessionOptions options);

    @Override
    void close();
}
