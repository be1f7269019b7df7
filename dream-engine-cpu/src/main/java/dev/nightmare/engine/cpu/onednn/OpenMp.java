package dev.nightmare.engine.cpu.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The OpenMP runtime oneDNN runs its threads on (the libgomp bundled with {@code org.bytedeco:dnnl}).
 * Its thread count is an environment variable read when libgomp loads, and a per-thread setting
 * after that; both are set through the foreign function API, as the JavaCPP preset exposes neither.
 */
final class OpenMp {
    private static final Linker LINKER = Linker.nativeLinker();

    private OpenMp() {}

    /**
     * Before the natives load: sets {@code OMP_NUM_THREADS} unless the user set it. How long idle
     * threads spin cannot be set this way (libgomp shows a {@code setenv} value but keeps the spin
     * count it found at process start): the launchers ({@code bin/nightmare}, the worker's images,
     * {@code run-local.sh}) export {@code GOMP_SPINCOUNT=30000}, see dream-engine-cpu/README.md.
     */
    static void presetEnvironment(int threads) throws Throwable {
        MethodHandle setenv = LINKER.downcallHandle(
                LINKER.defaultLookup().find("setenv").orElseThrow(),
                FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int unused = (int) setenv.invokeExact(
                    arena.allocateFrom("OMP_NUM_THREADS"), arena.allocateFrom(Integer.toString(threads)), 0);
        }
    }

    /** {@code omp_set_num_threads} of the already loaded libgomp, if it can be found. */
    static Optional<MethodHandle> setNumThreads() {
        try {
            // dlopen by soname finds the copy JavaCPP already loaded.
            SymbolLookup gomp = SymbolLookup.libraryLookup("libgomp.so.1", Arena.global());
            return gomp.find("omp_set_num_threads")
                    .map(f -> LINKER.downcallHandle(f, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
