package dev.nightmare.engine.cpu;

import java.lang.foreign.MemorySegment;

/**
 * One thing a layer's backward reads of its forward, as a kept backward state holds it: the signs
 * of a buffer's first {@code count} floats ({@link SignBits}), or its first {@code count} bytes.
 */
record KeptPart(boolean signs, MemorySegment memory, long count) {
    static KeptPart signs(CpuTensor t) {
        return new KeptPart(true, t.data(), t.storageFloats());
    }

    static KeptPart bytes(MemorySegment memory, long bytes) {
        return new KeptPart(false, memory, bytes);
    }

    static KeptPart whole(CpuTensor t) {
        return bytes(t.data(), t.storageFloats() * Float.BYTES);
    }

    /** Bytes the part takes kept, rounded up to whole 64-byte lines (each part starts on one). */
    long keptBytes() {
        return keptBytes(signs, count);
    }

    static long keptBytes(boolean signs, long count) {
        long bytes = signs ? SignBits.bytes(count) : count;
        return (bytes + 63) / 64 * 64;
    }
}
