package dev.nightmare.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Vector API species and helpers shared by the CPU kernels. */
public final class Vectors {
    private Vectors() {}

    /**
     * Float lanes per vector: the machine's preferred width, capped at one channel block. A channel
     * block is {@code BLOCK / LANES} vectors.
     */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= Layout.BLOCK
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(Layout.BLOCK * Float.SIZE))
            : FloatVector.SPECIES_PREFERRED;

    public static final int LANES = F.length();

    public static final ByteOrder ORDER = ByteOrder.nativeOrder();

    public static FloatVector load(MemorySegment s, long floatIndex) {
        return FloatVector.fromMemorySegment(F, s, floatIndex * Float.BYTES, ORDER);
    }

    public static void store(FloatVector v, MemorySegment s, long floatIndex) {
        v.intoMemorySegment(s, floatIndex * Float.BYTES, ORDER);
    }

    /**
     * The lanes' sum, in lane order, in double. Not {@code reduceLanes(ADD)}: its order differs
     * between the interpreter and JIT-compiled code, so the same input summed before and after
     * warm-up gave different bits (a job resumed in a fresh process then differed from an
     * uninterrupted run). Called once per chunk, so the array costs nothing measurable.
     */
    public static double sumLanes(FloatVector v) {
        double sum = 0;
        for (float lane : v.toArray()) {
            sum += lane;
        }
        return sum;
    }
}
