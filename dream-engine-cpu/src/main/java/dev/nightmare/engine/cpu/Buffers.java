package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;

/**
 * Hands out a working size's buffers as views, one after another, of the session's {@link Pool}
 * memory: every size lays its buffers out from the start of the same memory, so a session holds
 * the buffers of its largest size in use, not of every size it has seen. {@link #bytes} is what
 * one buffer takes, so a size's whole layout can be counted from its shapes alone.
 */
final class Buffers {
    /** Each buffer starts on its own page: aligned for the vector units and oneDNN, no shared lines. */
    static final long ALIGN = 4096;

    private final MemorySegment memory;
    private long used;

    Buffers(MemorySegment memory) {
        this.memory = memory;
    }

    /** Bytes one buffer of {@code shape} in {@code layout} takes, alignment included. */
    static long bytes(Shape shape, Layout layout) {
        return align(Math.max(4, layout.storageFloats(shape) * Float.BYTES));
    }

    static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The next buffer, as a tensor of {@code shape} (what it holds is whatever the memory held). */
    CpuTensor take(Shape shape, Layout layout) {
        return CpuTensor.view(shape, layout, take(bytes(shape, layout)));
    }

    /** The next {@code bytes} (a multiple of {@link #ALIGN}). */
    MemorySegment take(long bytes) {
        if (used + bytes > memory.byteSize()) {
            throw new IllegalStateException(
                    "working-size layout needs more than the " + memory.byteSize() + " bytes reserved for it");
        }
        MemorySegment slice = memory.asSlice(used, bytes);
        used += bytes;
        return slice;
    }

    long used() {
        return used;
    }
}
