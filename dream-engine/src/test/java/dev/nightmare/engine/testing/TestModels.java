package dev.nightmare.engine.testing;

import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.ConvolutionalWeights;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights.SplitMix64;
import java.util.ArrayList;
import java.util.List;

/** Small seeded networks that exercise every layer feature, for contract and gradient tests. */
public final class TestModels {
    private TestModels() {}

    /** conv 3×3 relu → maxpool 2/2 → conv 3×3 leaky + batch norm → conv 1×1 linear + batch norm. */
    public static final String MIXED = """
            [net]
            width=16
            height=16
            channels=3
            [convolutional]
            filters=8
            size=3
            stride=1
            pad=1
            activation=relu
            [maxpool]
            size=2
            stride=2
            [convolutional]
            batch_normalize=1
            filters=12
            size=3
            stride=1
            pad=1
            activation=leaky
            [convolutional]
            batch_normalize=1
            filters=6
            size=1
            stride=1
            pad=1
            activation=linear
            """;

    /** Strided and unpadded convolutions, an odd 3×3/2 maxpool, leaky without batch norm. */
    public static final String STRIDED = """
            [net]
            width=20
            height=20
            channels=3
            [convolutional]
            filters=5
            size=3
            stride=2
            pad=0
            activation=leaky
            [maxpool]
            size=3
            stride=2
            [convolutional]
            filters=7
            size=5
            stride=1
            padding=1
            activation=relu
            [convolutional]
            batch_normalize=1
            filters=4
            size=3
            stride=2
            pad=1
            activation=leaky
            """;

    /**
     * A classifier's tail as tiny.cfg ends: conv 3×3 leaky + batch norm → maxpool 2/2 → conv 1×1
     * relu with 20 filters (a channel block and a part one) → avgpool → softmax in 2 groups.
     */
    public static final String POOLED = """
            [net]
            width=16
            height=16
            channels=3
            [convolutional]
            batch_normalize=1
            filters=8
            size=3
            stride=1
            pad=1
            activation=leaky
            [maxpool]
            size=2
            stride=2
            [convolutional]
            filters=20
            size=1
            stride=1
            pad=1
            activation=relu
            [avgpool]
            [softmax]
            groups=2
            """;

    /** avgpool straight on the image (layer 0 reads the planar input), then softmax: no weights at all. */
    public static final String POOLED_IMAGE = """
            [net]
            channels=3
            [avgpool]
            [softmax]
            """;

    public static List<String> all() {
        return List.of(MIXED, STRIDED, POOLED, POOLED_IMAGE);
    }

    /** A model from cfg text with weights drawn from SplitMix64(seed) (He-uniform kernels, as SYNTHETIC_WEIGHTS.md). */
    public static Model model(String cfg, long seed) {
        NetworkSpec spec = NetworkSpec.parse("test.cfg", cfg, w -> {});
        SplitMix64 rng = new SplitMix64(seed);
        List<ConvolutionalWeights> weights = new ArrayList<>();
        for (int i = 0; i < spec.size(); i++) {
            if (!(spec.layer(i) instanceof ConvolutionalSpec conv)) {
                weights.add(null);
                continue;
            }
            int n = conv.filters();
            int c = spec.inputChannels(i);
            float[] biases = fill(rng, n, 0.05, 0);
            float[] scales = null, mean = null, variance = null;
            if (conv.batchNormalize()) {
                scales = fill(rng, n, 0.3, 1);
                mean = fill(rng, n, 0.2, 0);
                variance = fill(rng, n, 0.25, 0.75);
            }
            float[] kernels =
                    fill(rng, (int) conv.kernelWeights(c), Math.sqrt(6.0 / (c * conv.size() * conv.size())), 0);
            weights.add(new ConvolutionalWeights(biases, scales, mean, variance, kernels));
        }
        return new Model("test", spec, weights, "test-" + seed);
    }

    private static float[] fill(SplitMix64 rng, int n, double amplitude, double offset) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (offset + (2 * rng.uniform() - 1) * amplitude);
        }
        return out;
    }

    /** Seeded values in [lo, hi). */
    public static float[] uniform(long seed, int n, float lo, float hi) {
        SplitMix64 rng = new SplitMix64(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (lo + rng.uniform() * (hi - lo));
        }
        return out;
    }
}
