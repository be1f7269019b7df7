package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.OneDnnRuntime.check;
import static org.bytedeco.dnnl.global.dnnl.dnnl_out_of_memory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.bytedeco.javacpp.Pointer;

/**
 * One oneDNN object (memory descriptor, attribute, primitive descriptor, primitive, memory, stream)
 * that this backend created and destroys exactly once. {@link #create} checks oneDNN's status (a
 * failed create leaves nothing to destroy); {@link #close} destroys it, so try-with-resources frees
 * it on every path; {@link #move} hands it to a longer-lived owner, after which closing this one does
 * nothing. Counts the live ones, so tests can show that nothing leaks.
 */
final class Handle<T extends Pointer> implements AutoCloseable {
    private static final AtomicInteger LIVE = new AtomicInteger();
    /** Tests only: creates left before one fails as if oneDNN had run out of memory; negative: none fails. */
    private static final AtomicInteger CREATES_BEFORE_FAILURE = new AtomicInteger(-1);

    private final T pointer;
    private final ToIntFunction<T> destroy;
    private boolean owned = true;

    private Handle(T pointer, ToIntFunction<T> destroy) {
        this.pointer = pointer;
        this.destroy = destroy;
    }

    /**
     * Runs oneDNN's {@code create} on {@code empty} (a null JavaCPP pointer it fills in) and owns the
     * result, to be freed by {@code destroy}.
     *
     * @throws IllegalStateException naming {@code what} when oneDNN fails
     */
    static <T extends Pointer> Handle<T> create(
            T empty, ToIntFunction<T> create, ToIntFunction<T> destroy, String what) {
        int status = CREATES_BEFORE_FAILURE.getAndUpdate(n -> n < 0 ? n : n - 1) == 0
                ? dnnl_out_of_memory
                : create.applyAsInt(empty);
        check(status, what);
        LIVE.incrementAndGet();
        return new Handle<>(empty, destroy);
    }

    /** The oneDNN object; only while this handle owns it. */
    T get() {
        if (!owned) {
            throw new IllegalStateException("oneDNN handle used after it was closed or moved");
        }
        return pointer;
    }

    /** A new handle owning this one's object; this one then closes as nothing. */
    Handle<T> move() {
        Handle<T> moved = new Handle<>(get(), destroy);
        owned = false;
        return moved;
    }

    @Override
    public void close() {
        if (owned) {
            owned = false;
            destroy.applyAsInt(pointer);
            LIVE.decrementAndGet();
        }
    }

    /** oneDNN objects created through handles and not destroyed yet, in this JVM. */
    static int live() {
        return LIVE.get();
    }

    /**
     * Tests only: lets {@code creates} more creates succeed, then fails the next one (its oneDNN call
     * not made, as a failing one makes nothing); negative: none fails.
     */
    static void failAfter(int creates) {
        CREATES_BEFORE_FAILURE.set(creates);
    }
}
