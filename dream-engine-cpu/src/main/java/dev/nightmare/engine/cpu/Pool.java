package dev.nightmare.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.util.function.BooleanSupplier;

/**
 * A session's working memory: one block ({@link PageMemory}) that every working size lays its buffers out in (a
 * session runs one size at a time, and nothing in those buffers outlives an iteration). Grown to
 * the largest size in use, reserved in the backend's {@link NativeBudget}, freed at the end of a
 * run. Each growth or release gives the block a new generation, and sizes bound to an older one
 * bind again.
 */
final class Pool implements AutoCloseable {
    /** Tests only: fill new blocks with NaN, to prove no step reads a buffer before writing it. */
    static volatile boolean poisonForTests;

    private final NativeBudget.Account budget;
    private PageMemory.Block block;
    private MemorySegment memory;
    private int generation;

    Pool(NativeBudget.Account budget) {
        this.budget = budget;
    }

    /** Bytes held now. */
    long capacity() {
        return memory == null ? 0 : memory.byteSize();
    }

    int generation() {
        return generation;
    }

    /**
     * At least {@code bytes} of memory: the current block, or a new one (the old one freed first,
     * so the peak is the new size, not both).
     *
     * @param dropOne frees something else of the session when the budget is short
     */
    MemorySegment reserve(long bytes, BooleanSupplier dropOne) {
        if (memory != null && memory.byteSize() >= bytes) {
            return memory;
        }
        release();
        budget.reserve(bytes, () -> "the working buffers of a " + NativeBudget.mib(bytes) + " working size", dropOne);
        try {
            block = PageMemory.allocate(bytes);
            memory = block.memory();
        } catch (RuntimeException | OutOfMemoryError e) {
            budget.release(bytes);
            block = null;
            memory = null;
            throw e;
        }
        if (poisonForTests) {
            memory.fill((byte) 0xff); // all-ones bits: a NaN in every float
        }
        generation++;
        return memory;
    }

    /** Frees the block (bound sizes bind again on their next use). */
    void release() {
        if (memory != null) {
            long bytes = memory.byteSize();
            block.close();
            block = null;
            memory = null;
            budget.release(bytes);
            generation++;
        }
    }

    @Override
    public void close() {
        release();
    }
}
