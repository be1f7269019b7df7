package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.BackwardState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * A CPU stack's backward state kept off its buffers (the pool every working size shares): the
 * {@link KeptPart}s its layers name, one after another in one native block, counted in the
 * session's {@link NativeBudget.Account}.
 */
final class KeptBackward implements BackwardState {
    private final CpuStack stack;
    private final NativeBudget.Account account;
    private final long bytes;
    private Arena arena;
    private final MemorySegment data;

    private KeptBackward(CpuStack stack, NativeBudget.Account account, long bytes) {
        this.stack = stack;
        this.account = account;
        this.bytes = bytes;
        this.arena = Arena.ofShared();
        this.data = arena.allocate(Math.max(64, bytes), 64);
    }

    /** Keeps {@code parts} of {@code stack}; empty when the account has no room for them without dropping anything. */
    static Optional<KeptBackward> save(
            CpuStack stack, List<KeptPart> parts, SignBits signs, NativeBudget.Account account) {
        long bytes = 0;
        for (KeptPart part : parts) {
            bytes += part.keptBytes();
        }
        if (!account.tryReserve(bytes)) {
            return Optional.empty();
        }
        KeptBackward kept;
        try {
            kept = new KeptBackward(stack, account, bytes);
        } catch (RuntimeException | OutOfMemoryError e) {
            account.release(bytes);
            throw e;
        }
        long at = 0;
        for (KeptPart part : parts) {
            if (part.signs()) {
                signs.pack(part.memory(), part.count(), kept.data, at);
            } else {
                MemorySegment.copy(part.memory(), 0, kept.data, at, part.count());
            }
            at += part.keptBytes();
        }
        return Optional.of(kept);
    }

    /** Puts the parts back into {@code into}'s buffers: the same layers and size as the stack kept. */
    void restore(CpuStack into, List<KeptPart> parts, SignBits signs) {
        if (arena == null) {
            throw new IllegalStateException("this backward state is closed");
        }
        if (into.targetLayer != stack.targetLayer || into.width != stack.width || into.height != stack.height) {
            throw new IllegalArgumentException("a backward state of layers 0.." + stack.targetLayer + " at "
                    + stack.width + "×" + stack.height + " cannot restore layers 0.." + into.targetLayer + " at "
                    + into.width + "×" + into.height);
        }
        long at = 0;
        for (KeptPart part : parts) {
            if (part.signs()) {
                signs.unpack(data, at, part.memory(), part.count());
            } else {
                MemorySegment.copy(data, at, part.memory(), 0, part.count());
            }
            at += part.keptBytes();
        }
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public synchronized void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            account.release(bytes);
        }
    }
}
