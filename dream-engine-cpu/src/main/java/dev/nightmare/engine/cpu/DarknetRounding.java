package dev.nightmare.engine.cpu;

import dev.nightmare.engine.model.Activation;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The steps of darknet's forward that round through double, as vectors: each lane gives the bits
 * the reference's scalar expression gives ({@code Activation.apply}, the reference {@code
 * ConvolutionalLayer.biasAndActivate}). A float vector is widened into two double vectors of the same
 * bit size, computed on, and narrowed back.
 */
final class DarknetRounding {
    private DarknetRounding() {}

    /** Doubles in one vector of {@link Vectors#F}'s bit size: half as many lanes. */
    static final VectorSpecies<Double> D =
            VectorSpecies.of(double.class, VectorShape.forBitSize(Vectors.F.vectorBitSize()));

    /** Lanes [LANES/2, LANES): where the narrowed upper half lands. */
    private static final VectorMask<Float> UPPER =
            VectorMask.fromLong(Vectors.F, ((1L << Vectors.LANES) - 1) & ~((1L << Vectors.LANES / 2) - 1));

    private static final FloatVector ZERO = FloatVector.zero(Vectors.F);

    /** darknet's activation of y: ReLU {@code y > 0 ? y : 0}; leaky {@code y > 0 ? y : (float) (0.1 · y)} in double. */
    static FloatVector activate(FloatVector y, Activation act) {
        return switch (act) {
            case LINEAR -> y;
            case RELU -> ZERO.blend(y, y.compare(VectorOperators.GT, 0f));
            case LEAKY -> leakyNegative(y).blend(y, y.compare(VectorOperators.GT, 0f));
        };
    }

    /** {@code (float) (0.1 · (double) y)} per lane (darknet's leaky_activate, .1 being a double). */
    private static FloatVector leakyNegative(FloatVector y) {
        DoubleVector lo = (DoubleVector) y.convertShape(VectorOperators.F2D, D, 0);
        DoubleVector hi = (DoubleVector) y.convertShape(VectorOperators.F2D, D, 1);
        return narrow(lo.mul(0.1), hi.mul(0.1));
    }

    /**
     * {@code (float) ((double) n / d)} per lane, {@code d} given as the double divisors of lanes
     * [0, LANES/2) and [LANES/2, LANES) (darknet's normalize_cpu divides a float by a double).
     */
    static FloatVector divide(FloatVector n, DoubleVector dLo, DoubleVector dHi) {
        DoubleVector lo = (DoubleVector) n.convertShape(VectorOperators.F2D, D, 0);
        DoubleVector hi = (DoubleVector) n.convertShape(VectorOperators.F2D, D, 1);
        return narrow(lo.div(dLo), hi.div(dHi));
    }

    private static FloatVector narrow(DoubleVector lo, DoubleVector hi) {
        FloatVector l = (FloatVector) lo.convertShape(VectorOperators.D2F, Vectors.F, 0);
        FloatVector h = (FloatVector) hi.convertShape(VectorOperators.D2F, Vectors.F, -1);
        return l.blend(h, UPPER);
    }
}
