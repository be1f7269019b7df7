package dev.nightmare.engine.cuda;

import static dev.nightmare.engine.cuda.KernelSignature.Param.F32;
import static dev.nightmare.engine.cuda.KernelSignature.Param.PTR;
import static dev.nightmare.engine.cuda.KernelSignature.Param.S32;
import static dev.nightmare.engine.cuda.KernelSignature.Param.S64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.nightmare.engine.cuda.KernelSignature.Param;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SoftmaxSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * Without a GPU: every typed launcher's parameter list is the one its kernel declares, in the
 * committed PTX (the types the driver reads) and in the {@code .cu} source (which tells a pointer
 * from an {@code index_t}); every kernel has a launcher; and every launcher, run against a recorder
 * instead of the driver, fills exactly its signature and sizes its grid as before.
 */
class KernelSignaturesTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path PTX = Path.of("src/main/resources/dev/nightmare/engine/cuda/ptx");

    private record Launch(String entry, int blocks) {}

    private final List<Launch> launches = new ArrayList<>();
    private final Kernels kernels = new Kernels(name -> new KernelModule(name, null, (kernel, blocks, parameters) -> {
        assertThat(kernel.function).isNull();
        launches.add(new Launch(kernel.signature.entry(), blocks));
    }));

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, List<String>> ptxEntries(String module) {
        return KernelDeclarations.ptxEntries(read(PTX.resolve(module + ".ptx")));
    }

    private static Map<String, List<Param>> cudaKernels(String module) {
        return KernelDeclarations.cudaKernels(read(SOURCES.resolve(module + ".cu")));
    }

    // ---- the launchers against the declarations ---------------------------------------------------

    @Test
    void everyLauncherTakesTheParametersItsPtxEntryDeclares() {
        assertThat(kernels.signatures()).hasSizeGreaterThanOrEqualTo(26);
        for (KernelSignature signature : kernels.signatures()) {
            assertThat(KernelDeclarations.ptxMismatches(signature, ptxEntries(signature.module())))
                    .as(signature.toString())
                    .isEmpty();
        }
    }

    @Test
    void everyLauncherTakesTheCTypesItsCudaSourceDeclares() {
        for (KernelSignature signature : kernels.signatures()) {
            assertThat(KernelDeclarations.cudaMismatches(signature, cudaKernels(signature.module())))
                    .as(signature.toString())
                    .isEmpty();
        }
    }

    @Test
    void everyKernelOfEveryModuleHasExactlyOneLauncher() throws IOException {
        Map<String, List<String>> launched = new LinkedHashMap<>();
        for (KernelSignature s : kernels.signatures()) {
            launched.computeIfAbsent(s.module(), m -> new ArrayList<>()).add(s.entry());
        }
        List<String> modules;
        try (var files = Files.list(SOURCES)) {
            modules = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3))
                    .sorted()
                    .toList();
        }
        assertThat(new TreeSet<>(launched.keySet())).containsExactlyElementsOf(modules);
        for (String module : modules) {
            assertThat(launched.get(module))
                    .as(module + " launchers")
                    .doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ptxEntries(module).keySet())
                    .containsExactlyInAnyOrderElementsOf(cudaKernels(module).keySet());
        }
    }

    // ---- the checker catches a wrong signature ----------------------------------------------------

    private static final String PTX_TEXT = """
            .visible .entry scale(
            	.param .u64 scale_param_0,
            	.param .u64 scale_param_1,
            	.param .u32 scale_param_2,
            	.param .f32 scale_param_3
            )
            {
            	ret;
            }
            .visible .entry odd(
            	.param .align 16 .b8 odd_param_0[16]
            )
            {
            	ret;
            }
            """;

    private static final String CUDA_TEXT = """
            extern "C" __global__ void scale(float* x, index_t n, int mode, float factor) {}
            extern "C" __global__ void odd(const double* __restrict__ x, unsigned short n) {}
            """;

    private static KernelSignature signature(String entry, Param... params) {
        return new KernelSignature("test", entry, List.of(params));
    }

    @Test
    void theCheckerAcceptsTheRightSignatureAndNamesEveryDifferenceOfAWrongOne() {
        Map<String, List<String>> ptx = KernelDeclarations.ptxEntries(PTX_TEXT);
        assertThat(ptx.get("scale")).containsExactly("u64", "u64", "u32", "f32");
        assertThat(KernelDeclarations.ptxMismatches(signature("scale", PTR, S64, S32, F32), ptx))
                .isEmpty();

        assertThat(KernelDeclarations.ptxMismatches(signature("scale", PTR, S64, S32), ptx))
                .as("one parameter missing")
                .singleElement(STRING)
                .contains("scale: the PTX declares 4 parameters", "the launcher 3");
        assertThat(KernelDeclarations.ptxMismatches(signature("scale", PTR, S64, S32, F32, S32), ptx))
                .as("one parameter too many")
                .singleElement(STRING)
                .contains("the launcher 5");
        assertThat(KernelDeclarations.ptxMismatches(signature("scale", PTR, S64, S32, S32), ptx))
                .as("an int where the kernel takes a float")
                .containsExactly("scale parameter 3: the PTX declares f32, the launcher u32");
        assertThat(KernelDeclarations.ptxMismatches(signature("scale", PTR, S32, S32, F32), ptx))
                .as("an int where the kernel takes an index_t")
                .containsExactly("scale parameter 1: the PTX declares u64, the launcher u32");
        assertThat(KernelDeclarations.ptxMismatches(signature("scael", PTR, S64, S32, F32), ptx))
                .containsExactly("scael is not an entry of test.ptx");
        assertThat(KernelDeclarations.ptxMismatches(signature("odd", PTR), ptx))
                .as("a parameter form the checker does not know never matches")
                .singleElement(STRING)
                .contains(".align 16");
    }

    @Test
    void theSourceCheckerTellsAPointerFromAnIndex() {
        Map<String, List<Param>> cuda =
                KernelDeclarations.cudaKernels(CUDA_TEXT.lines().findFirst().orElseThrow());
        assertThat(cuda.get("scale")).containsExactly(PTR, S64, S32, F32);
        assertThat(KernelDeclarations.cudaMismatches(signature("scale", PTR, S64, S32, F32), cuda))
                .isEmpty();
        // The PTX cannot see this slip: both are .u64.
        assertThat(KernelDeclarations.ptxMismatches(
                        signature("scale", PTR, PTR, S32, F32), KernelDeclarations.ptxEntries(PTX_TEXT)))
                .isEmpty();
        assertThat(KernelDeclarations.cudaMismatches(signature("scale", PTR, PTR, S32, F32), cuda))
                .containsExactly("scale parameter 1: test.cu declares S64, the launcher PTR");
        assertThatThrownBy(() -> KernelDeclarations.cudaKernels(CUDA_TEXT))
                .hasMessageContaining("odd: no kernel parameter type for 'unsigned short n'");
    }

    @Test
    void theCommittedPtxRejectsADeliberatelyWrongLauncher() {
        // bias_activate's plane is an index_t: an int there is the slip that would fault on a GPU.
        KernelSignature wrong = new KernelSignature("layers", "bias_activate", List.of(PTR, PTR, PTR, S32, S32, S32));
        assertThat(KernelDeclarations.ptxMismatches(wrong, ptxEntries("layers")))
                .containsExactly("bias_activate parameter 4: the PTX declares u64, the launcher u32");
        assertThat(KernelDeclarations.cudaMismatches(wrong, cudaKernels("layers")))
                .containsExactly("bias_activate parameter 4: layers.cu declares S64, the launcher S32");
    }

    // ---- each launch is checked against its signature ---------------------------------------------

    private static DeviceBuffer buffer() {
        return new DeviceBuffer(new CUdeviceptr(), 4, null);
    }

    @Test
    void aLaunchWhoseArgumentsDifferFromTheSignatureFailsOnTheHost() {
        Kernel kernel = new KernelModule("test", null, (k, blocks, parameters) -> launches.add(new Launch("", blocks)))
                .kernel("scale", PTR, S64, S32, F32);
        assertThatThrownBy(() -> kernel.args().ptr(buffer()).s32(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scale parameter 1 is S64, given S32");
        assertThatThrownBy(() -> kernel.args().ptr(buffer()).s64(1).s32(0).elementwise(10))
                .hasMessageContaining("scale takes 4 parameters, given 3");
        assertThatThrownBy(
                        () -> kernel.args().ptr(buffer()).s64(1).s32(0).f32(1).f32(2))
                .hasMessageContaining("scale takes 4 parameters, given more");
        assertThat(launches).isEmpty();

        kernel.args().ptr(buffer()).s64(1).flag(true).f32(1).elementwise(0);
        assertThat(launches).as("nothing to do, nothing launched").isEmpty();
        kernel.args().ptr(buffer()).s64(1).flag(true).f32(1).elementwise(1L << 40);
        kernel.args().ptr(buffer()).s64(1).flag(true).f32(1).elementwise(257);
        kernel.args().ptr(buffer()).s64(1).flag(true).f32(1).launch(3);
        assertThat(launches).extracting(Launch::blocks).containsExactly(Kernel.MAX_BLOCKS, 2, 3);
    }

    /** Runs every launcher once; its arguments are checked against its signature as it fills them. */
    @Test
    void everyLauncherFillsItsSignatureAndSizesItsGridAsTheKernelLoops() {
        DeviceBuffer b = buffer();
        Shape in = new Shape(3, 37, 40);
        Shape out = new Shape(20, 37, 40);
        ConvolutionalSpec conv = new ConvolutionalSpec(20, 3, 1, 1, false, Activation.LEAKY);
        MaxpoolSpec pool = new MaxpoolSpec(2, 2, 0);
        Shape pooled = new Shape(20, 19, 20);
        LayerLaunches layers = kernels.layers;
        layers.convolutionDarknet(b, b, b, in, out, conv);
        layers.biasActivate(b, b, b, out, Activation.RELU);
        layers.biasActivate4(b, b, b, out, Activation.RELU);
        layers.batchnormActivate(b, b, b, b, b, b, out, Activation.LEAKY);
        layers.activationBackward(b, b, out.size(), Activation.RELU);
        layers.activationBackward4(b, b, out.size(), Activation.RELU);
        layers.batchnormBackwardExact(b, b, b, out, Activation.LEAKY);
        layers.batchnormBackwardSums(b, b, b, b, b, out, Activation.LEAKY, b);
        layers.batchnormBackwardApply(b, b, b, b, b, out);
        layers.maxpoolForward(b, b, b, out, pooled, pool);
        layers.maxpoolBackward(b, b, b, out, pooled, pool);
        layers.maxpoolBackwardTiles(b, b, b, b, -1, out, pooled, pool);
        layers.avgpoolForward(b, b, out);
        layers.avgpoolBackward(b, b, out);
        layers.softmaxForward(b, b, new Shape(1000, 1, 1), new SoftmaxSpec(2, 1f, false));
        layers.inputGradientSmall(b, b, b, in, out, conv);
        layers.inputGradientRgb3x3(b, b, b, in, out, conv);
        ImageLaunches image = kernels.image;
        image.resizeHorizontal(b, b, 3, 40, 37, 30, 20, 1, 2, true, 50, 0.5f);
        image.resizeVertical(b, b, 3, 20, 50, 60, 0.25f, false, -1, 0);
        image.rotate(b, b, in, 0.5, 0.25);
        LossLaunches loss = kernels.loss;
        loss.sumPartials(b, out.size(), LossLaunches.SUM_CENTERED, b, b);
        loss.finishMean(b, out.size(), b);
        loss.finishVariance(b, out.size(), b, true, b);
        loss.finishMagnitude(b, b);
        loss.thresholdGradient(b, b, out.size(), b, 1.5f);
        loss.greyPull(b, b, in.size());
        loss.ascendApply(b, b, in.size(), 0.01f, true, b);
        loss.momentumStep(b, b, b, in.size(), 0.01f, 0.9f);
        loss.difference(b, b, b, out.size());

        assertThat(launches)
                .extracting(Launch::entry)
                .as("every kernel launched once")
                .containsExactlyInAnyOrderElementsOf(kernels.signatures().stream()
                        .map(KernelSignature::entry)
                        .toList());
        // The grids CudaSession sized before the launchers existed.
        long plane = 37 * 40;
        assertThat(launches)
                .containsSubsequence(
                        new Launch("convolution_darknet", Kernel.blocks(3 * plane)), // ⌈20/8⌉ filter groups
                        new Launch("bias_activate", Kernel.blocks(out.size())),
                        new Launch("bias_activate4", Kernel.blocks(out.size() / 4)),
                        new Launch("batchnorm_activate", Kernel.blocks(out.size())),
                        new Launch("activation_backward", Kernel.blocks(out.size())),
                        new Launch("activation_backward4", Kernel.blocks(out.size() / 4)),
                        new Launch("batchnorm_backward_exact", Kernel.blocks(out.size())),
                        new Launch("batchnorm_backward_sums", 20), // one block per channel
                        new Launch("batchnorm_backward_apply", Kernel.blocks(out.size())),
                        new Launch("maxpool_forward", Kernel.blocks(pooled.size())),
                        new Launch("maxpool_backward", Kernel.blocks(out.size())),
                        new Launch("maxpool_backward_tiles", Kernel.blocks(pooled.size())),
                        new Launch("avgpool_forward", Kernel.blocks(20)), // one thread per channel
                        new Launch("avgpool_backward", Kernel.blocks(out.size())),
                        new Launch("softmax_forward", Kernel.blocks(2)), // one thread per group
                        new Launch("input_gradient_small", Kernel.blocks(plane)),
                        new Launch("input_gradient_rgb3x3", Kernel.blocks(plane / 4)),
                        new Launch("resize_horizontal", Kernel.blocks(3 * 20 * 50)),
                        new Launch("resize_vertical", Kernel.blocks(3 * 60 * 50)),
                        new Launch("rotate", Kernel.blocks(in.size())),
                        new Launch("sum_partials", Kernels.REDUCE_BLOCKS),
                        new Launch("finish_mean", 1),
                        new Launch("finish_variance", 1),
                        new Launch("finish_magnitude", 1),
                        new Launch("threshold_gradient", Kernel.blocks(out.size())),
                        new Launch("grey_pull", Kernel.blocks(in.size())),
                        new Launch("ascend_apply", Kernel.blocks(in.size())),
                        new Launch("momentum_step", Kernel.blocks(in.size())),
                        new Launch("difference", Kernel.blocks(out.size())));
    }
}
