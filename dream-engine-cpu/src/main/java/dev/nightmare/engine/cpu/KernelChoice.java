package dev.nightmare.engine.cpu;

import java.util.Locale;

/**
 * Which form of the Java kernels ({@link LayerKernels}, {@link ImageKernels}) a backend's sessions
 * run: the Vector API form, fastest once the JIT's top tier has compiled it but 5–15× slower than
 * plain code until then (every vector is an object in the interpreter and in C1's code), or the
 * scalar form, which C1 compiles in milliseconds and runs within 1–2.6× of the vector form. Both
 * give the same bits (the same float operations in the same order; {@code KernelFormsTest}), so
 * the choice may change while sessions run. {@code auto}: scalar until {@link CpuBackend#warmUp}
 * has brought the vector form to full speed (a long-lived worker does at start; a short run never
 * pays for it).
 */
public final class KernelChoice {
    /** The backend property: {@code auto}, {@code scalar} or {@code vector}. */
    public static final String PROPERTY = "cpu.javaKernels";

    public enum Mode {
        AUTO,
        SCALAR,
        VECTOR
    }

    private final Mode mode;
    private volatile boolean vector;

    public KernelChoice(Mode mode) {
        this.mode = mode;
        this.vector = mode == Mode.VECTOR;
    }

    public static KernelChoice parse(String value) {
        try {
            return new KernelChoice(Mode.valueOf(value.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + " must be auto, scalar or vector, got '" + value + "'");
        }
    }

    public Mode mode() {
        return mode;
    }

    /** Whether the kernels run their vector form now. */
    public boolean vector() {
        return vector;
    }

    /** In {@code auto}: the vector form is compiled, use it from now on. */
    void warmedUp() {
        if (mode == Mode.AUTO) {
            vector = true;
        }
    }
}
