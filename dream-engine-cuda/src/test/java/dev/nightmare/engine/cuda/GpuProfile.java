package dev.nightmare.engine.cuda;

import static jcuda.jcudnn.JCudnn.cudnnCreateConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnCreateTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyConvolutionDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyFilterDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnDestroyTensorDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolution2dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetConvolutionMathType;
import static jcuda.jcudnn.JCudnn.cudnnSetFilter4dDescriptor;
import static jcuda.jcudnn.JCudnn.cudnnSetTensor4dDescriptor;

import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.SyntheticWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import jcuda.driver.JCudaDriver;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnTensorDescriptor;

/**
 * The GPU profile (issue 10's tuning): for one cfg, layer and square size,
 *
 * <ul>
 *   <li>{@code --find}: cuDNN's timed ranking of every convolution algorithm, forward and
 *       backward-data, for each layer's shape in NCHW (what the backend runs) and NHWC (what
 *       PyTorch's channels-last runs), FP32 (FMA math);
 *   <li>the median synchronised iteration in the default configuration;
 *   <li>{@code --profile}: one iteration between {@code cuProfilerStart} and {@code cuProfilerStop},
 *       for {@code ncu --profile-from-start off}.
 * </ul>
 *
 * <pre>GpuProfile CFG WEIGHTS [size=512] [layer=10] [--find] [--profile] [key=value backend properties]</pre>
 *
 * <p>Benchmark code, not a test (see the module README): it lives in src/test so that it stays out
 * of the shipped jar; the GPU pack carries it in {@code dream-engine-cuda-tests.jar}.
 */
public final class GpuProfile {
    private GpuProfile() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println(
                    "usage: GpuProfile CFG WEIGHTS [size] [layer] [--find] [--profile] [key=value backend properties]");
            System.exit(2);
        }
        Path cfg = Path.of(args[0]);
        Path weights = Path.of(args[1]);
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int layer = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        boolean find = Arrays.asList(args).contains("--find");
        boolean profile = Arrays.asList(args).contains("--profile");
        Map<String, String> props = new HashMap<>();
        for (String a : args) {
            if (a.contains("=")) {
                props.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            }
        }
        if (!Files.exists(weights)) {
            SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), SyntheticWeights.DEFAULT_SEED, weights);
        }
        Model model = Model.load(cfg, weights, w -> {});
        try (CudaBackend backend = (CudaBackend) new CudaBackendProvider().create(new BackendConfig(1, props));
                CudaSession session = (CudaSession) backend.open(model, SessionOptions.DEFAULT);
                Tensor image = session.allocate(new Shape(3, size, size));
                Tensor gradient = session.allocate(new Shape(3, size, size))) {
            CudaStack stack = (CudaStack) session.stack(layer, size, size);
            System.out.println(backend.device() + ", " + props);
            if (find) {
                for (int i = 0; i <= layer; i++) {
                    if (stack.plans[i] != null) {
                        ConvolutionalSpec conv =
                                (ConvolutionalSpec) model.spec().layer(i);
                        Shape in = stack.layerInputShape(i);
                        System.out.println("layer " + i + " " + in + " -> " + stack.shapes.get(i) + " NCHW, chosen "
                                + stack.plans[i].describe());
                        System.out.print(
                                stack.plans[i].timedRanking(session.cudnnHandle(), session.parameters(i).filter));
                        String transposed = stack.plans[i].transposedRanking(
                                session.cudnnHandle(), session.parameters(i).transposedFilter);
                        if (!transposed.isEmpty()) {
                            System.out.println("layer " + i + " backward-data as forward (transposed kernels)");
                            System.out.print(transposed);
                        }
                        System.out.println("layer " + i + " NHWC");
                        System.out.print(nhwcRanking(session, conv, in, stack.shapes.get(i)));
                    }
                }
            }
            float[] start = new float[3 * size * size];
            for (int i = 0; i < start.length; i++) {
                start[i] = (i * 7919 % 1000) / 1000f;
            }
            session.write(image, start);
            Jitter jitter = new Jitter(0, 0, false);
            for (int i = 0; i < 3; i++) {
                session.optimize(image, gradient, stack, jitter, 1f, 0.04f, true);
            }
            session.synchronize();
            double[] ms = new double[20];
            for (int i = 0; i < ms.length; i++) {
                long t = System.nanoTime();
                session.optimize(image, gradient, stack, jitter, 1f, 0.04f, true);
                session.synchronize();
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf(
                    Locale.ROOT,
                    "iteration median %.3f ms, min %.3f ms; %s%n",
                    ms[ms.length / 2],
                    ms[0],
                    session.describePlans().replace('\n', ';'));
            if (profile) {
                JCudaDriver.cuProfilerStart();
                session.optimize(image, gradient, stack, jitter, 1f, 0.04f, true);
                session.synchronize();
                JCudaDriver.cuProfilerStop();
            }
        }
    }

    /** The timed ranking for the same convolution with NHWC tensors and filter. */
    private static String nhwcRanking(CudaSession session, ConvolutionalSpec conv, Shape in, Shape out) {
        final int nhwc = 1, dataFloat = 0, crossCorrelation = 1;
        cudnnTensorDescriptor x = new cudnnTensorDescriptor();
        cudnnTensorDescriptor y = new cudnnTensorDescriptor();
        cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        cudnnConvolutionDescriptor c = new cudnnConvolutionDescriptor();
        cudnnCreateTensorDescriptor(x);
        cudnnCreateTensorDescriptor(y);
        cudnnCreateFilterDescriptor(w);
        cudnnCreateConvolutionDescriptor(c);
        try {
            cudnnSetTensor4dDescriptor(x, nhwc, dataFloat, 1, in.channels(), in.height(), in.width());
            cudnnSetTensor4dDescriptor(y, nhwc, dataFloat, 1, out.channels(), out.height(), out.width());
            cudnnSetFilter4dDescriptor(w, dataFloat, nhwc, conv.filters(), in.channels(), conv.size(), conv.size());
            int p = conv.padding(), s = conv.stride();
            cudnnSetConvolution2dDescriptor(c, p, p, s, s, 1, 1, crossCorrelation, dataFloat);
            cudnnSetConvolutionMathType(c, AlgorithmChoice.FMA_MATH);
            return ConvolutionPlan.timedRanking(session.cudnnHandle(), x, w, c, y);
        } finally {
            cudnnDestroyTensorDescriptor(x);
            cudnnDestroyTensorDescriptor(y);
            cudnnDestroyFilterDescriptor(w);
            cudnnDestroyConvolutionDescriptor(c);
        }
    }
}
