package dev.nightmare.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Puts a cuDNN that JCudnn 11.7 can link against into the process before JCudnn loads: a real
 * cuDNN 8 ({@code libcudnn.so.8} on the loader's path) or, only where there is none, cuDNN 9 behind
 * Nightmare's compatibility library (src/main/native/cudnn8-compat). JCudnn's native names {@code
 * libcudnn.so.8} as a dependency, and the dynamic loader satisfies that with the library already
 * loaded under that name, so loading it first (with the foreign-function API, never unloaded)
 * decides which cuDNN JCudnn talks to.
 *
 * <p>Every cuDNN function the backend calls ({@link #REQUIRED}) is checked to exist in what was
 * loaded: calling a missing one would kill the JVM.
 */
final class CudnnLibrary {
    /** Path of the compatibility {@code libcudnn.so.8} (system property, then environment). */
    static final String COMPAT_PROPERTY = "nightmare.cuda.cudnnCompat";

    static final String COMPAT_ENV = "NIGHTMARE_CUDNN_COMPAT";

    /** Directory holding cuDNN 9's {@code libcudnn_*.so.9}; default: the loader's search path. */
    static final String DIR_PROPERTY = "nightmare.cuda.cudnnDir";

    static final String DIR_ENV = "NIGHTMARE_CUDNN_DIR";

    /** The cuDNN functions this backend calls. */
    static final List<String> REQUIRED = List.of(
            "cudnnGetVersion",
            "cudnnGetErrorString",
            "cudnnCreate",
            "cudnnDestroy",
            "cudnnCreateTensorDescriptor",
            "cudnnSetTensor4dDescriptor",
            "cudnnDestroyTensorDescriptor",
            "cudnnCreateFilterDescriptor",
            "cudnnSetFilter4dDescriptor",
            "cudnnDestroyFilterDescriptor",
            "cudnnCreateConvolutionDescriptor",
            "cudnnSetConvolution2dDescriptor",
            "cudnnSetConvolutionMathType",
            "cudnnGetConvolution2dForwardOutputDim",
            "cudnnDestroyConvolutionDescriptor",
            "cudnnGetConvolutionForwardAlgorithm_v7",
            "cudnnGetConvolutionForwardWorkspaceSize",
            "cudnnConvolutionForward",
            "cudnnGetConvolutionBackwardDataAlgorithm_v7",
            "cudnnGetConvolutionBackwardDataWorkspaceSize",
            "cudnnConvolutionBackwardData");

    /** Where JCudnn's native looks besides the loader's path (its RUNPATH). */
    private static final List<String> CUDNN8_CANDIDATES =
            List.of("libcudnn.so.8", "/usr/local/cuda/lib64/libcudnn.so.8");

    /** cuDNN as loaded: its {@code cudnnGetVersion()} and how it was found. */
    record Loaded(long version, boolean compat, String how) {
        /** cuDNN 8 numbers versions major·1000 + minor·100 + patch, cuDNN 9 major·10000 + …. */
        int major() {
            return (int) (version >= 10_000 ? version / 10_000 : version / 1_000);
        }

        String versionString() {
            if (version >= 10_000) {
                return major() + "." + (version % 10_000) / 100 + "." + version % 100;
            }
            return major() + "." + (version % 1_000) / 100 + "." + version % 100;
        }
    }

    /** cuDNN cannot be used here; the message says why in one line. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    private CudnnLibrary() {}

    static Optional<String> setting(String property, String env) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** Loads cuDNN for JCudnn; call once, before anything touches {@code jcuda.jcudnn.JCudnn}. */
    static Loaded load() throws Unavailable {
        Linker linker = Linker.nativeLinker();
        List<String> tried = new ArrayList<>();
        for (String candidate : CUDNN8_CANDIDATES) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(candidate, Arena.global());
            } catch (IllegalArgumentException notThere) {
                tried.add(candidate);
                continue;
            }
            if (lookup.find("nightmare_cudnn_compat_init").isPresent()) {
                return compat(linker, lookup, candidate + " (found on the library path)");
            }
            long version = version(linker, lookup);
            if (version < 8_000 || version >= 9_000) {
                throw new Unavailable(candidate + " reports cuDNN version " + version + "; JCudnn 11.7 needs cuDNN 8");
            }
            for (String function : REQUIRED) {
                if (lookup.find(function).isEmpty()) {
                    throw new Unavailable(candidate + " (cuDNN " + version + ") lacks " + function);
                }
            }
            return new Loaded(version, false, candidate);
        }
        Optional<String> compatPath = setting(COMPAT_PROPERTY, COMPAT_ENV);
        if (compatPath.isEmpty()) {
            throw new Unavailable("no cuDNN 8 (" + String.join(", ", tried)
                    + " not found) and no cuDNN 8→9 compatibility library configured (set " + COMPAT_ENV
                    + " or -D" + COMPAT_PROPERTY + ")");
        }
        Path path = Path.of(compatPath.get()).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new Unavailable("the cuDNN compatibility library " + path + " does not exist");
        }
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new Unavailable("cannot load the cuDNN compatibility library " + path + ": " + e.getMessage());
        }
        if (lookup.find("nightmare_cudnn_compat_init").isEmpty()) {
            throw new Unavailable(path + " is not Nightmare's cuDNN compatibility library");
        }
        return compat(linker, lookup, path.toString());
    }

    private static Loaded compat(Linker linker, SymbolLookup lookup, String where) throws Unavailable {
        Optional<String> dir = setting(DIR_PROPERTY, DIR_ENV);
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle init = linker.downcallHandle(
                    lookup.find("nightmare_cudnn_compat_init").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle error = linker.downcallHandle(
                    lookup.find("nightmare_cudnn_compat_error").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS));
            MethodHandle resolved = linker.downcallHandle(
                    lookup.find("nightmare_cudnn_compat_resolved").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment dirArgument = dir.isPresent() ? arena.allocateFrom(dir.get()) : MemorySegment.NULL;
            int count = (int) init.invokeExact(dirArgument);
            if (count < 0) {
                MemorySegment message = (MemorySegment) error.invokeExact();
                throw new Unavailable("cuDNN 9 not found for the compatibility library ("
                        + dir.map(d -> "dir " + d).orElse("set " + DIR_ENV) + "): "
                        + message.reinterpret(Long.MAX_VALUE).getString(0));
            }
            for (String function : REQUIRED) {
                int state = (int) resolved.invokeExact(arena.allocateFrom(function));
                if (state != 1) {
                    throw new Unavailable("cuDNN 9 behind " + where + " lacks " + function);
                }
            }
            long version = version(linker, lookup);
            if (version < 9_0000) {
                throw new Unavailable("the compatibility library expects cuDNN 9 but found version " + version);
            }
            return new Loaded(
                    version,
                    true,
                    "cuDNN 9 via " + where + dir.map(d -> " from " + d).orElse(""));
        } catch (Unavailable e) {
            throw e;
        } catch (Throwable e) {
            throw new Unavailable("calling the cuDNN compatibility library failed: " + e);
        }
    }

    private static long version(Linker linker, SymbolLookup lookup) throws Unavailable {
        MemorySegment function = lookup.find("cudnnGetVersion")
                .orElseThrow(() -> new Unavailable("the loaded cuDNN has no cudnnGetVersion"));
        try {
            return (long) linker.downcallHandle(function, FunctionDescriptor.of(ValueLayout.JAVA_LONG))
                    .invokeExact();
        } catch (Throwable e) {
            throw new Unavailable("cudnnGetVersion failed: " + e);
        }
    }
}
