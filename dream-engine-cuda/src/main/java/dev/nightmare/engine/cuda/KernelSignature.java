package dev.nightmare.engine.cuda;

import java.util.List;

/**
 * A kernel's entry name and parameter list, declared once next to its launcher and checked against
 * the committed PTX and the {@code .cu} declaration by {@code KernelSignaturesTest}; every launch's
 * arguments are checked against it ({@link Kernel.Args}).
 *
 * @param module the {@code .cu} file (and PTX resource) without its extension
 * @param entry the {@code extern "C"} kernel name, the PTX {@code .entry}
 */
record KernelSignature(String module, String entry, List<Param> params) {
    KernelSignature {
        params = List.copyOf(params);
    }

    /** A kernel parameter's C type, and the PTX type nvcc declares it with. */
    enum Param {
        /** a device pointer (any {@code T*}) */
        PTR("u64"),
        /** {@code index_t} ({@code long long}): an element count or plane size */
        S64("u64"),
        /** {@code int} (also a C boolean: 0 or 1) */
        S32("u32"),
        /** {@code float} */
        F32("f32"),
        /** {@code double} */
        F64("f64");

        private final String ptxType;

        Param(String ptxType) {
            this.ptxType = ptxType;
        }

        /** The type of the {@code .param} nvcc writes for it (PTX cannot tell a pointer from a 64-bit integer). */
        String ptxType() {
            return ptxType;
        }
    }

    @Override
    public String toString() {
        return module + ".cu " + entry + params;
    }
}
