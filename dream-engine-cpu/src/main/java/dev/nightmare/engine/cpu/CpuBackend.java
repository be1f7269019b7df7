package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.model.Model;
import java.util.function.BiFunction;

/**
 * A CPU backend: the shared blocked-layout session ({@link CpuSession}) with one way of computing
 * convolutions. Owns a fixed pool of {@code threads} Java threads, shared by its sessions; each
 * session is used by one thread at a time, and sessions may run on different threads at once.
 */
public final class CpuBackend implements Backend {
    private final String name;
    private final String device;
    private final Workers workers;
    private final BiFunction<Model, Workers, Convolutions> convolutions;
    private final AutoCloseable resources;

    /**
     * @param convolutions makes a model's convolutions (called once per session)
     * @param resources closed with the backend after its threads stop (may be null)
     */
    public CpuBackend(
            String name,
            String device,
            int threads,
            BiFunction<Model, Workers, Convolutions> convolutions,
            AutoCloseable resources) {
        this.name = name;
        this.device = device;
        this.workers = new Workers(threads);
        this.convolutions = convolutions;
        this.resources = resources;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String device() {
        return device;
    }

    public int threads() {
        return workers.threads();
    }

    @Override
    public DreamSession open(Model model, SessionOptions options) {
        return new CpuSession(this, model, options, workers, convolutions.apply(model, workers));
    }

    @Override
    public void close() {
        workers.close();
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing backend " + name, e);
            }
        }
    }
}
