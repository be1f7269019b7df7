package dev.nightmare.engine.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Which floats of a buffer are positive, packed into bits and back, for a kept backward state: an
 * activation's derivative (relu, leaky) reads only whether its output is positive, so a float's 32
 * bits keep as one. Unpacking writes 1 where a float was positive and 0 elsewhere, which the
 * derivative reads as it read the original ({@code out > 0}: zero, negatives and NaN alike are
 * not positive). A vector form and a scalar form ({@link KernelChoice}), with the same bits.
 */
final class SignBits {
    private static final int L = Vectors.LANES;
    /** 64-bit words per task: 256 Ki floats. */
    private static final int WORDS_PER_TASK = 4096;

    private final Workers workers;
    private final KernelChoice choice;

    SignBits(Workers workers, KernelChoice choice) {
        this.workers = workers;
        this.choice = choice;
    }

    /** Bytes the signs of {@code floats} floats take: whole 64-bit words. */
    static long bytes(long floats) {
        return (floats + 63) / 64 * Long.BYTES;
    }

    /** Packs the signs of the first {@code count} floats of {@code floats} into {@code bits} from {@code offset}. */
    void pack(MemorySegment floats, long count, MemorySegment bits, long offset) {
        inTasks(count, (from, to) -> {
            for (long w = from; w < to; w++) {
                bits.set(JAVA_LONG_UNALIGNED, offset + w * Long.BYTES, word(floats, w * 64, count));
            }
        });
    }

    /** Writes 1 or 0 into the first {@code count} floats of {@code floats} from the signs packed at {@code offset}. */
    void unpack(MemorySegment bits, long offset, MemorySegment floats, long count) {
        inTasks(count, (from, to) -> {
            for (long w = from; w < to; w++) {
                unword(bits.get(JAVA_LONG_UNALIGNED, offset + w * Long.BYTES), floats, w * 64, count);
            }
        });
    }

    @FunctionalInterface
    private interface Words {
        void run(long from, long to);
    }

    private void inTasks(long count, Words body) {
        long words = (count + 63) / 64;
        int tasks = Math.toIntExact((words + WORDS_PER_TASK - 1) / WORDS_PER_TASK);
        workers.split(
                tasks,
                (from, to) -> body.run((long) from * WORDS_PER_TASK, Math.min(words, (long) to * WORDS_PER_TASK)));
    }

    private long word(MemorySegment floats, long base, long count) {
        long word = 0;
        if (choice.vector() && base + 64 <= count) {
            for (int j = 0; j < 64; j += L) {
                FloatVector v =
                        FloatVector.fromMemorySegment(Vectors.F, floats, (base + j) * Float.BYTES, Vectors.ORDER);
                word |= v.compare(VectorOperators.GT, 0f).toLong() << j;
            }
            return word;
        }
        long n = Math.min(64, count - base);
        for (int j = 0; j < n; j++) {
            if (floats.getAtIndex(JAVA_FLOAT, base + j) > 0) {
                word |= 1L << j;
            }
        }
        return word;
    }

    private void unword(long word, MemorySegment floats, long base, long count) {
        if (choice.vector() && base + 64 <= count) {
            FloatVector zero = FloatVector.zero(Vectors.F);
            for (int j = 0; j < 64; j += L) {
                VectorMask<Float> positive = VectorMask.fromLong(Vectors.F, word >>> j);
                zero.blend(1f, positive).intoMemorySegment(floats, (base + j) * Float.BYTES, Vectors.ORDER);
            }
            return;
        }
        long n = Math.min(64, count - base);
        for (int j = 0; j < n; j++) {
            floats.setAtIndex(JAVA_FLOAT, base + j, (word >>> j & 1) != 0 ? 1f : 0f);
        }
    }
}
