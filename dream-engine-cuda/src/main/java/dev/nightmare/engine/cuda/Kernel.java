package dev.nightmare.engine.cuda;

import dev.nightmare.engine.cuda.KernelSignature.Param;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * One kernel of the committed PTX and how it is launched: every kernel runs {@link Kernels#THREADS}
 * threads per block on the default stream, so launches queue behind cuDNN's work and nothing waits
 * for the host. A launch's arguments are built with {@link #args()}, one typed call per parameter in
 * the kernel's order, and checked against its {@link KernelSignature}: an argument of another C type,
 * one too many or one missing fails on the host with the kernel's and the parameter's name, never as
 * a fault on the device.
 */
final class Kernel {
    /** Most blocks of a grid-stride launch (each thread loops over the rest). */
    static final int MAX_BLOCKS = 1 << 16;

    /** Where a checked launch goes: the driver, or (without a GPU) a test's recorder. */
    @FunctionalInterface
    interface Launcher {
        void launch(Kernel kernel, int blocks, Pointer parameters);

        /** {@code cuLaunchKernel} on the default stream. */
        Launcher DRIVER = (kernel, blocks, parameters) -> JCudaDriver.cuLaunchKernel(
                kernel.function, blocks, 1, 1, Kernels.THREADS, 1, 1, 0, null, parameters, null);
    }

    final KernelSignature signature;
    /** The loaded function; null where the module was not loaded (launches are only checked). */
    final CUfunction function;

    private final List<Param> params;
    private final Launcher launcher;

    Kernel(KernelSignature signature, CUfunction function, Launcher launcher) {
        this.signature = signature;
        this.function = function;
        this.params = signature.params();
        this.launcher = launcher;
    }

    /** The arguments of one launch, to be given in the kernel's parameter order. */
    Args args() {
        return new Args();
    }

    /** Blocks of a grid-stride launch over {@code n} elements. */
    static int blocks(long n) {
        return (int) Math.min(MAX_BLOCKS, (n + Kernels.THREADS - 1) / Kernels.THREADS);
    }

    @Override
    public String toString() {
        return signature.toString();
    }

    /**
     * One launch's arguments, each by value in its C type (device pointers by address), checked
     * against the kernel's parameter list as they are added.
     */
    final class Args {
        private final NativePointerObject[] values = new NativePointerObject[params.size()];
        private int next;

        private Args add(Param type, NativePointerObject value) {
            if (next >= values.length) {
                throw new IllegalArgumentException(
                        signature.entry() + " takes " + values.length + " parameters, given more");
            }
            if (params.get(next) != type) {
                throw new IllegalArgumentException(signature.entry() + " parameter " + next + " is " + params.get(next)
                        + ", given " + type + " (" + signature + ")");
            }
            values[next++] = value;
            return this;
        }

        /** A device pointer. */
        Args ptr(DeviceBuffer buffer) {
            return add(Param.PTR, Pointer.to(buffer.pointer));
        }

        /** An {@code index_t}. */
        Args s64(long value) {
            return add(Param.S64, Pointer.to(new long[] {value}));
        }

        /** An {@code int}. */
        Args s32(int value) {
            return add(Param.S32, Pointer.to(new int[] {value}));
        }

        /** An {@code int} used as a C boolean. */
        Args flag(boolean value) {
            return s32(value ? 1 : 0);
        }

        Args f32(float value) {
            return add(Param.F32, Pointer.to(new float[] {value}));
        }

        Args f64(double value) {
            return add(Param.F64, Pointer.to(new double[] {value}));
        }

        /** Launches a grid-stride kernel over {@code n} elements (nothing when n is 0). */
        void elementwise(long n) {
            Pointer parameters = complete();
            if (n > 0) {
                launcher.launch(Kernel.this, blocks(n), parameters);
            }
        }

        /** Launches {@code blocks} blocks of {@link Kernels#THREADS} threads. */
        void launch(int blocks) {
            launcher.launch(Kernel.this, blocks, complete());
        }

        private Pointer complete() {
            if (next != values.length) {
                throw new IllegalArgumentException(signature.entry() + " takes " + values.length + " parameters, given "
                        + next + " (" + signature + ")");
            }
            return Pointer.to(values);
        }
    }
}
