package dev.nightmare.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.OutOfDeviceMemoryException;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.engine.random.RandomMode;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.engine.testing.TestModels;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One session of the oneDNN backend dreams vgg-conv to layer 10 (Winograd and direct layers) on
 * many image sizes under a native-memory budget smaller than what keeping every size would take:
 * what the backend holds never passes the budget, a run's buffers go when it ends, the session
 * keeps at most its weights and {@code cpu.keepPreparations} between runs, closing it gives
 * everything back (the backend keeps only its fixed reserve for oneDNN's primitive cache), and the
 * working-set estimate bounds what a run held.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NativeMemoryBoundTest {
    private static final int LAYER = 10;
    private static final long MIB = 1 << 20;

    private Model model;

    @BeforeAll
    void load() throws IOException {
        model = Model.load(Shared.models().resolve("vgg-conv.cfg"), Shared.syntheticWeights("vgg-conv"), w -> {});
    }

    private static Backend backend(long budget, long keep) {
        return new OneDnnBackendProvider()
                .create(new BackendConfig(
                        2,
                        Map.of(
                                NativeBudget.PROPERTY, Long.toString(budget),
                                CpuBackend.KEEP_PREPARATIONS, Long.toString(keep))));
    }

    private static Image image(int w, int h) {
        Image im = Image.blank(w, h, 3);
        float[] pixels = TestModels.uniform(w * 31L + h, 3 * w * h, 0, 1);
        System.arraycopy(pixels, 0, im.data(), 0, pixels.length);
        return im;
    }

    /** A nightmare run of 3 iterations over 4 octaves, asserting the budget after every iteration. */
    private static void dream(DreamSession session, Backend backend, int w, int h) throws Exception {
        NightmareOptions options = NightmareOptions.builder(LAYER)
                .iters(3)
                .octaves(4)
                .random(RandomMode.SEEDED, w * 7L + h)
                .build();
        new Nightmare(session).run(image(w, h), options, new DreamListener() {
            @Override
            public void onIteration(int round, int iteration, IterationDraws draws) {
                assertThat(backend.nativeBytes()).isLessThanOrEqualTo(backend.nativeBudget());
            }

            @Override
            public void onRound(RoundResult result) {}
        });
    }

    @Test
    void manySizesStayWithinTheBudgetAndCloseGivesEverythingBack() throws Exception {
        int[][] sizes = {
            {96, 80},
            {150, 110},
            {64, 64},
            {200, 150},
            {120, 180},
            {88, 72},
            {176, 132},
            {200, 150},
            {72, 96},
            {160, 160},
            {104, 78},
            {96, 80}
        };
        long largest = 0;
        long resident;
        try (Backend probe = backend(Long.MAX_VALUE, 0)) {
            for (int[] s : sizes) {
                largest = Math.max(largest, probe.estimateWorkingSet(model.spec(), LAYER, s[0], s[1], 4));
            }
            resident = ((CpuBackend) probe).residentBytes();
        }
        // Room for the largest job, not for every size's preparations and buffers at once.
        long budget = resident + largest + 16 * MIB;
        long keep = 8 * MIB;
        try (Backend backend = backend(budget, keep)) {
            CpuBackend cpu = (CpuBackend) backend;
            try (DreamSession session = backend.open(model, SessionOptions.DEFAULT)) {
                CpuSession s = (CpuSession) session;
                for (int[] size : sizes) {
                    dream(session, backend, size[0], size[1]);
                    assertThat(s.poolBytes()).as("buffers after the run").isZero();
                    assertThat(s.preparationBytes()).as("preparations kept").isLessThanOrEqualTo(keep);
                    assertThat(session.nativeBytes())
                            .as("between runs only the weights, besides the kept preparations")
                            .isEqualTo(s.weightBytes() + s.preparationBytes());
                }
                assertThat(cpu.budget().peak()).isLessThanOrEqualTo(budget);
                assertThat(s.preparedSizes()).as("sizes kept").isLessThan(sizes.length);
            }
            assertThat(backend.nativeBytes())
                    .as("after close: only what the backend keeps itself (oneDNN's primitive cache)")
                    .isEqualTo(cpu.residentBytes());
        }
    }

    @Test
    void theEstimateBoundsWhatARunHolds() throws Exception {
        for (int[] size : new int[][] {{200, 150}, {64, 96}}) {
            try (Backend backend = backend(Long.MAX_VALUE, 64 * MIB);
                    DreamSession session = backend.open(model, SessionOptions.DEFAULT)) {
                dream(session, backend, size[0], size[1]);
                CpuBackend cpu = (CpuBackend) backend;
                long peak = cpu.budget().peak() - cpu.residentBytes();
                long estimate = backend.estimateWorkingSet(model.spec(), LAYER, size[0], size[1], 4);
                assertThat(estimate)
                        .as("estimate at " + size[0] + "×" + size[1])
                        .isGreaterThanOrEqualTo(peak);
                assertThat(estimate).as("not far above what was held").isLessThan(peak + peak / 3);
            }
        }
    }

    @Test
    void workPastTheBudgetIsRefusedAndTheSessionStaysUsable() throws Exception {
        long small;
        try (Backend probe = backend(Long.MAX_VALUE, 0)) {
            small = probe.estimateWorkingSet(model.spec(), LAYER, 64, 64, 4) + ((CpuBackend) probe).residentBytes();
        }
        try (Backend backend = backend(small + 8 * MIB, 0);
                DreamSession session = backend.open(model, SessionOptions.DEFAULT)) {
            assertThatThrownBy(() -> dream(session, backend, 400, 400))
                    .isInstanceOf(OutOfDeviceMemoryException.class)
                    .hasMessageContaining(NativeBudget.PROPERTY);
            assertThat(backend.nativeBytes()).isLessThanOrEqualTo(backend.nativeBudget());
            dream(session, backend, 64, 64);
        }
    }
}
