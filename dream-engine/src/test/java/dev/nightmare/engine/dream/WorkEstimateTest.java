package dev.nightmare.engine.dream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.engine.tiling.IterationMemory;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** A job's cost before it runs, and the one admission rule that compares it with the budget. */
class WorkEstimateTest {
    /** One 3×3 convolution of 3 → 4 channels, padded: 108 multiply-adds per output pixel. */
    private static final NetworkSpec ONE_CONV = NetworkSpec.parse(
            "one.cfg",
            "[net]\nchannels=3\n[convolutional]\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=relu\n",
            w -> {});

    @Test
    void arithmeticIsForwardPlusBackwardDataAtEveryOctavesWorkingSize() {
        NightmareOptions one =
                NightmareOptions.builder(0).octaves(1).rounds(2).iters(5).build();
        NightmareOptions two =
                NightmareOptions.builder(0).octaves(2).rounds(2).iters(5).build();

        WorkEstimate full = WorkEstimate.of(ONE_CONV, one, 10, 10);
        WorkEstimate mixed = WorkEstimate.of(ONE_CONV, two, 10, 10);

        // 10×10 outputs × 4 filters × 3·3·3 taps = 10,800 multiply-adds; ×2 FLOP; ×2 forward and backward.
        assertThat(full.flopsPerIteration()).isEqualTo(43_200);
        assertThat(full.iterations()).isEqualTo(10);
        assertThat(full.flops()).isEqualTo(432_000);
        // Octave 1 works at 1/1.333 of the size: 7×7; the run's mean is over both octaves.
        long seven = 2L * 2 * 7 * 7 * 4 * 27;
        assertThat(mixed.flops()).isEqualTo((43_200 + seven) / 2 * 10);
        assertThat(mixed.flopsPerIteration()).as("the largest iteration").isEqualTo(43_200);
    }

    @Test
    void peakMemoryIsTheBuffersOfTheLargestIteration() {
        WorkEstimate e =
                WorkEstimate.of(ONE_CONV, NightmareOptions.builder(0).octaves(3).build(), 10, 10);
        // image + its gradient (2·300) + output (400) + target gradient (400) + two alternating buffers (2·400)
        assertThat(e.peakBytes()).isEqualTo(4L * (600 + 400 + 400 + 800));
        assertThat(e.workingPixels()).isEqualTo(100);
    }

    @Test
    void vggConvLayer10At512IsTheFigureTheBenchmarksCount() throws IOException {
        NetworkSpec vgg = NetworkSpec.read(Shared.models().resolve("vgg-conv.cfg"), w -> {});

        long flops = WorkEstimate.forwardAndBackwardFlops(vgg, 10, 512, 512);

        assertThat(flops / 1e9).as("GFLOP of one vgg-conv L10 512² iteration").isBetween(200.0, 230.0);
    }

    @Test
    void theRuleRefusesTooMuchWorkAndTooLargeAnIterationNamingLimitAndEstimate() throws IOException {
        NetworkSpec vgg = NetworkSpec.read(Shared.models().resolve("vgg-conv.cfg"), w -> {});
        AdmissionRule rule = AdmissionRule.DEFAULT;

        var ordinary = WorkEstimate.of(
                vgg, NightmareOptions.builder(10).rounds(4).iters(20).build(), 1024, 768);
        var endless = WorkEstimate.of(
                vgg, NightmareOptions.builder(10).rounds(1000).iters(1000).build(), 1024, 768);
        // vgg-conv tiles exactly: a poster needs its image-sized buffers and one tile's state.
        var poster = WorkEstimate.of(vgg, NightmareOptions.builder(10).build(), 4096, 4096);
        var wall = WorkEstimate.of(vgg, NightmareOptions.builder(10).build(), 8192, 8192);

        assertThat(rule.refusal(ordinary)).isEmpty();
        assertThat(rule.refusal(endless)).hasValueSatisfying(r -> {
            assertThat(r.option()).isEqualTo("iters");
            assertThat(r.message())
                    .contains("1000000 iterations")
                    .contains("a job may take at most 2.0 PFLOP")
                    .contains("of the rounds × iters");
        });
        assertThat(rule.refusal(poster)).isEmpty();
        assertThat(poster.peakBytes()).isLessThan(IterationMemory.wholeBytes(vgg, 10, 4096, 4096) / 10);
        assertThat(rule.refusal(wall)).hasValueSatisfying(r -> {
            assertThat(r.option()).isEqualTo("image");
            assertThat(r.message())
                    .contains("a worker dreams in at most 1.5 GiB")
                    .contains("maxSide");
        });
    }

    @Test
    void layersThatCannotTileNeedTheirWholeState() throws IOException {
        NetworkSpec tiny = NetworkSpec.read(Shared.models().resolve("tiny.cfg"), w -> {});
        NetworkSpec vgg = NetworkSpec.read(Shared.models().resolve("vgg-conv.cfg"), w -> {});

        // tiny's convolutions are batch-normalised: darknet's gradient sums over the whole layer.
        assertThat(WorkEstimate.of(tiny, NightmareOptions.builder(10).build(), 2048, 2048)
                        .peakBytes())
                .isEqualTo(IterationMemory.wholeBytes(tiny, 10, 2048, 2048));
        assertThat(AdmissionRule.DEFAULT.refusal(
                        WorkEstimate.of(tiny, NightmareOptions.builder(10).build(), 4096, 3072)))
                .isPresent();
        // The exact batch-norm gradient tiles: the same poster is admitted, its estimate a tile's.
        WorkEstimate exact = WorkEstimate.of(
                tiny,
                NightmareOptions.builder(10).build(),
                dev.nightmare.engine.backend.BatchNormGradient.EXACT,
                4096,
                3072);
        assertThat(exact.peakBytes()).isLessThan(IterationMemory.wholeBytes(tiny, 10, 4096, 3072) / 8);
        assertThat(AdmissionRule.DEFAULT.refusal(exact)).isEmpty();
        // Small images run whole: tiles would only add halos.
        assertThat(WorkEstimate.of(vgg, NightmareOptions.builder(10).build(), 64, 48)
                        .peakBytes())
                .isEqualTo(IterationMemory.wholeBytes(vgg, 10, 64, 48));
    }
}
