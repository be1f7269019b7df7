package dev.nightmare.engine.cuda;

import dev.nightmare.engine.cuda.KernelSignature.Param;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * One {@code .cu} file's kernels: its committed PTX loaded with {@code cuModuleLoadData} into the
 * context current on this thread, and each kernel taken from it with its {@link KernelSignature}.
 */
final class KernelModule implements AutoCloseable {
    final String name;
    /** null when nothing is loaded: the kernels' launches are checked and handed to the launcher. */
    private final CUmodule module;

    private final Kernel.Launcher launcher;
    private final List<Kernel> kernels = new ArrayList<>();

    /**
     * @param module the loaded module, or null to only check launches (tests without a GPU)
     */
    KernelModule(String name, CUmodule module, Kernel.Launcher launcher) {
        this.name = name;
        this.module = module;
        this.launcher = launcher;
    }

    /** Loads {@code name}.ptx; its kernels launch through the driver. */
    static KernelModule load(String name) {
        CUmodule module = new CUmodule();
        JCudaDriver.cuModuleLoadData(module, Kernels.ptx(name));
        return new KernelModule(name, module, Kernel.Launcher.DRIVER);
    }

    /** The kernel {@code entry} of this module, whose parameters are {@code params}. */
    Kernel kernel(String entry, Param... params) {
        CUfunction function = null;
        if (module != null) {
            function = new CUfunction();
            JCudaDriver.cuModuleGetFunction(function, module, entry);
        }
        Kernel kernel = new Kernel(new KernelSignature(name, entry, List.of(params)), function, launcher);
        kernels.add(kernel);
        return kernel;
    }

    /** The signatures of the kernels taken so far. */
    List<KernelSignature> signatures() {
        return kernels.stream().map(k -> k.signature).toList();
    }

    @Override
    public void close() {
        if (module != null) {
            JCudaDriver.cuModuleUnload(module);
        }
    }
}
