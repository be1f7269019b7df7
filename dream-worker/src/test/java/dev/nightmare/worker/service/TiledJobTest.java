package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.testing.SampleJobs;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.backend.BatchNormGradient;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.dream.AdmissionRule;
import dev.nightmare.engine.dream.WorkEstimate;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.tiling.IterationMemory;
import dev.nightmare.engine.tiling.Tiling;
import dev.nightmare.retry.Retry;
import dev.nightmare.worker.testing.InMemoryJobStore;
import dev.nightmare.worker.testing.RecordingEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker whose admission memory is smaller than a job's whole state runs it in exact tiles, sized
 * from that memory: the job is admitted (the estimate counts tiles), succeeds, and stores the round
 * a worker with room for the whole state stores (to its 8-bit steps).
 */
class TiledJobTest {
    /** A small vgg-like network: 3×3 convolutions and 2×2 maxpools, no batch norm (the services' gradient). */
    private static final String CFG = """
            [net]
            channels=3
            [convolutional]
            filters=16
            size=3
            stride=1
            pad=1
            activation=relu
            [maxpool]
            size=2
            stride=2
            [convolutional]
            filters=24
            size=3
            stride=1
            pad=1
            activation=relu
            [maxpool]
            size=2
            stride=2
            [convolutional]
            filters=32
            size=3
            stride=1
            pad=1
            activation=relu
            """;

    /** The same with batch norm: darknet's gradient sums over whole layers, the exact one tiles. */
    private static final String BN_CFG = CFG.replace("filters=", "batch_normalize=1\nfilters=");

    private static final int WIDTH = 333;
    private static final int HEIGHT = 250;

    @TempDir
    static Path dir;

    private static Backend reference;
    private static ModelFetcher.ModelFiles files;
    private static ModelFetcher.ModelFiles bnFiles;

    @BeforeAll
    static void model() throws IOException {
        reference = Backends.discover().create("reference", new BackendConfig(2, Map.of()), line -> {});
        files = write("pyramid", CFG);
        bnFiles = write("bn-pyramid", BN_CFG);
    }

    private static ModelFetcher.ModelFiles write(String name, String text) throws IOException {
        Path cfg = Files.writeString(dir.resolve(name + ".cfg"), text);
        Path weights = dir.resolve(name + ".weights");
        SyntheticWeights.write(NetworkSpec.read(cfg, w -> {}), 5, weights);
        return new ModelFetcher.ModelFiles(name, Model.sha256(cfg, weights), cfg, weights);
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    private static final class Pyramid implements ModelFetcher {
        @Override
        public String currentVersion(String name) {
            return fetch(name, null).sha256();
        }

        @Override
        public ModelFiles fetch(String name, String sha256) {
            return name.equals(bnFiles.name()) ? bnFiles : files;
        }
    }

    /**
     * The reference backend, recording the largest stack (working size) each session is asked for:
     * what shows whether an iteration ran whole or in tiles.
     */
    private static Backend recording(List<Integer> largestStack) {
        return (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    Object result = invoke(method, reference, args);
                    if (!method.getName().equals("open")) {
                        return result;
                    }
                    DreamSession session = (DreamSession) result;
                    return Proxy.newProxyInstance(
                            DreamSession.class.getClassLoader(), new Class<?>[] {DreamSession.class}, (p, m, a) -> {
                                if (m.getName().equals("stack")) {
                                    largestStack.add((int) a[1] * (int) a[2]);
                                }
                                if (m.getName().equals("backend")) {
                                    return proxy;
                                }
                                return invoke(m, session, a);
                            });
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * Runs the job on a worker whose admission allows {@code iterationBytes} an iteration; its round
     * 0. {@code stacks} gets the pixels of every stack the worker's session was asked for.
     */
    private static Image run(JobRequest request, byte[] input, long iterationBytes, List<Integer> stacks) {
        InMemoryJobStore store = attempt(request, input, iterationBytes, stacks);
        assertThat(store.storedStatus(request.jobId()).state()).isEqualTo(JobState.SUCCEEDED);
        byte[] round =
                store.object(JobKeys.roundImage(request.jobId(), 0, "png")).orElseThrow();
        return ImageCodec.decode(round, "round", 1_000_000);
    }

    /** Runs the job to its end on such a worker; the store holds what it wrote. */
    private static InMemoryJobStore attempt(
            JobRequest request, byte[] input, long iterationBytes, List<Integer> stacks) {
        InMemoryJobStore store = new InMemoryJobStore(new ArrayList<>());
        store.put(JobKeys.request(request.jobId()), ContractJson.write(request));
        store.put(JobKeys.input(request.jobId()), input);
        Retry retry = Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .giveUpAfter(Duration.ofSeconds(2))
                .sleeper(millis -> {});
        Backend backend = recording(stacks);
        ModelRegistry models = new ModelRegistry(backend, new Pyramid(), retry, 1, () -> backend);
        RunnerSettings settings = new RunnerSettings(
                "worker-a",
                1_000_000,
                new AdmissionRule(AdmissionRule.DEFAULT.maxFlops(), iterationBytes),
                Duration.ofMinutes(5),
                Duration.ZERO,
                Duration.ZERO,
                5,
                false);
        JobRunner runner = new JobRunner(
                store,
                new RecordingEvents(new ArrayList<>()),
                models,
                retry,
                settings,
                new WorkerMetrics(new SimpleMeterRegistry()),
                Clock.systemUTC());
        runner.run(request, new Delivery(request.jobId(), ContractJson.write(request), 1), new JobControl());
        return store;
    }

    @Test
    void aJobBeyondTheWholeStateRunsInTilesAndStoresTheUntiledRound() throws IOException {
        JobRequest request = SampleJobs.request(
                JobIds.random(),
                SampleJobs.options("pyramid", 4)
                        .rounds(1)
                        .iters(2)
                        .range(1)
                        .octaves(2)
                        .seed(11)
                        .format("png")
                        .resolved(null),
                files.sha256(),
                WIDTH,
                HEIGHT);
        byte[] input = noisePng();
        NetworkSpec spec = NetworkSpec.read(files.cfg(), w -> {});
        long whole = IterationMemory.wholeBytes(spec, 4, WIDTH, HEIGHT);
        // Room for the image-sized buffers and a third of the whole state: only tiles fit.
        long tight = (long) IterationMemory.TILED_FLOATS_PER_PIXEL * Float.BYTES * WIDTH * HEIGHT + whole / 3;
        var estimate = WorkEstimate.of(spec, request.options().toEngine(), WIDTH, HEIGHT);
        assertThat(estimate.peakBytes()).as("admission counts tiles").isLessThanOrEqualTo(tight);
        try (var session = reference.open(
                Model.load(files.cfg(), files.weights(), w -> {}, w -> {}),
                new dev.nightmare.engine.backend.SessionOptions(BatchNormGradient.DARKNET))) {
            assertThat(Tiling.withinIteration(tight, WIDTH, HEIGHT).plan(session, 4, WIDTH, HEIGHT))
                    .as("the tight worker's plan")
                    .hasValueSatisfying(plan -> assertThat(plan.count()).isGreaterThan(1));
        }

        List<Integer> tightStacks = new ArrayList<>();
        List<Integer> roomyStacks = new ArrayList<>();
        Image tiled = run(request, input, tight, tightStacks);
        Image untiled = run(request, input, 1L << 40, roomyStacks);

        assertThat(roomyStacks).as("the roomy worker runs whole").contains(WIDTH * HEIGHT);
        assertThat(tightStacks)
                .as("the tight worker runs tiles only")
                .isNotEmpty()
                .allMatch(px -> px < WIDTH * HEIGHT / 2);

        assertThat(largestStep(tiled, untiled))
                .as("largest difference in 8-bit steps")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void aBatchNormalisedJobTilesWithTheExactGradientAndIsRefusedWithDarknets() throws IOException {
        SampleJobs.Options options = SampleJobs.options("bn-pyramid", 4)
                .rounds(1)
                .iters(2)
                .range(1)
                .octaves(2)
                .seed(5)
                .format("png");
        JobRequest darknets =
                SampleJobs.request(JobIds.random(), options.resolved(null), bnFiles.sha256(), WIDTH, HEIGHT);
        JobRequest exact = SampleJobs.request(
                JobIds.random(), options.bnGradient("exact").resolved(null), bnFiles.sha256(), WIDTH, HEIGHT);
        NetworkSpec spec = NetworkSpec.read(bnFiles.cfg(), w -> {});
        long whole = IterationMemory.wholeBytes(spec, 4, WIDTH, HEIGHT);
        long tight = (long) IterationMemory.TILED_FLOATS_PER_PIXEL * Float.BYTES * WIDTH * HEIGHT + whole / 3;
        var engine = exact.options().toEngine();
        assertThat(WorkEstimate.of(spec, engine, BatchNormGradient.EXACT, WIDTH, HEIGHT)
                        .peakBytes())
                .as("with the exact gradient admission counts tiles")
                .isLessThanOrEqualTo(tight);
        assertThat(WorkEstimate.of(spec, engine, BatchNormGradient.DARKNET, WIDTH, HEIGHT)
                        .peakBytes())
                .as("with darknet's, the whole state")
                .isEqualTo(whole);

        byte[] input = noisePng();
        List<Integer> tightStacks = new ArrayList<>();
        Image tiled = run(exact, input, tight, tightStacks);
        Image untiled = run(exact, input, 1L << 40, new ArrayList<>());
        assertThat(tightStacks).isNotEmpty().allMatch(px -> px < WIDTH * HEIGHT / 2);
        assertThat(largestStep(tiled, untiled))
                .as("largest difference in 8-bit steps")
                .isLessThanOrEqualTo(1);

        // darknet's gradient (the default) cannot tile: the tight worker refuses it, saying why.
        InMemoryJobStore refused = attempt(darknets, input, tight, new ArrayList<>());
        assertThat(refused.storedStatus(darknets.jobId()).state()).isEqualTo(JobState.FAILED);
        assertThat(refused.storedStatus(darknets.jobId()).error()).contains("cannot run the job");
        // ... and a roomy one runs it whole, with a result of its own (the gradients differ).
        Image darknet = run(darknets, input, 1L << 40, new ArrayList<>());
        assertThat(darknet.data()).isNotEqualTo(untiled.data());
    }

    private static int largestStep(Image x, Image y) {
        float[] a = x.data();
        float[] b = y.data();
        int steps = 0;
        for (int i = 0; i < a.length; i++) {
            steps = Math.max(steps, Math.round(Math.abs(a[i] - b[i]) * 255));
        }
        return steps;
    }

    private static byte[] noisePng() {
        Random random = new Random(3);
        float[] data = new float[3 * WIDTH * HEIGHT];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        return ImageCodec.encode(new Image(WIDTH, HEIGHT, 3, data), ImageCodec.Format.PNG);
    }
}
