package dev.nightmare.engine.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The CUDA kernels of src/main/cuda, one {@link KernelModule} per {@code .cu} file loaded from the
 * committed PTX into the backend's context, with their typed launchers: {@link #layers}, {@link
 * #image}, {@link #loss}.
 */
final class Kernels implements AutoCloseable {
    /** Must match THREADS in common.cuh (the block reductions size their shared memory by it). */
    static final int THREADS = 256;

    /** Must match REDUCE_BLOCKS in common.cuh. */
    static final int REDUCE_BLOCKS = 512;

    /** Resource folder of the PTX files build-ptx.sh writes. */
    static final String PTX_RESOURCES = "/dev/nightmare/engine/cuda/ptx/";

    private final List<KernelModule> modules;

    final LayerLaunches layers;
    final ImageLaunches image;
    final LossLaunches loss;

    /** Loads the modules into the context current on this thread. */
    Kernels() {
        this(KernelModule::load);
    }

    /** @param module makes the module of a {@code .cu} file's name ({@link KernelModule#load} on a GPU) */
    Kernels(Function<String, KernelModule> module) {
        KernelModule layersModule = module.apply("layers");
        KernelModule imageModule = module.apply("image");
        KernelModule lossModule = module.apply("loss");
        modules = List.of(layersModule, imageModule, lossModule);
        layers = new LayerLaunches(layersModule);
        image = new ImageLaunches(imageModule);
        loss = new LossLaunches(lossModule);
    }

    /** Every kernel's signature, by module. */
    List<KernelSignature> signatures() {
        return modules.stream().flatMap(m -> m.signatures().stream()).toList();
    }

    /** The PTX text of {@code name}.ptx, null-terminated as cuModuleLoadData wants it. */
    static byte[] ptx(String name) {
        try (InputStream in = Kernels.class.getResourceAsStream(PTX_RESOURCES + name + ".ptx")) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + PTX_RESOURCES + name + ".ptx is missing");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        modules.forEach(KernelModule::close);
    }
}
