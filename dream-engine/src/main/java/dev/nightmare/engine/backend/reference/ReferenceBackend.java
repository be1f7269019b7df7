package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.model.Model;

/**
 * The reference backend: plain Java, obviously correct, kept forever as the oracle that every fast
 * backend is tested against. Parallel only over independent outputs, so deterministic.
 */
public final class ReferenceBackend implements Backend {
    public static final String NAME = "reference";

    private final Parallel parallel;

    public ReferenceBackend(int threads) {
        this.parallel = new Parallel(threads);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String device() {
        return "Java reference, " + parallel.threads() + " thread" + (parallel.threads() == 1 ? "" : "s");
    }

    @Override
    public DreamSession open(Model model, SessionOptions options) {
        return new ReferenceSession(this, model, options, parallel);
    }

    @Override
    public void close() {
        parallel.close();
    }
}
