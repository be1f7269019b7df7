package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.Recipe;
import dev.nightmare.contracts.testing.SampleJobs;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.backend.DeviceMemoryReading;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.OutOfDeviceMemoryException;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.dream.AdmissionRule;
import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.dream.EngineVersion;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.retry.Retry;
import dev.nightmare.worker.testing.InMemoryJobStore;
import dev.nightmare.worker.testing.RecordingEvents;
import dev.nightmare.worker.testing.TestJobs;
import dev.nightmare.worker.testing.TinyModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's job logic against an in-memory S3 (with conditional writes), recorded events and
 * Tiny Darknet on the reference backend: take-over, rounds, resume, cancel, ownership, limits,
 * poison messages, transient failures and GPU out-of-memory.
 */
class JobRunnerTest {
    private static Backend reference;

    private final List<String> log = new ArrayList<>();
    private final InMemoryJobStore store = new InMemoryJobStore(log);
    private final RecordingEvents events = new RecordingEvents(log);
    private final TinyModel fetcher = new TinyModel();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeAll
    static void backend() {
        reference = Backends.discover().create("reference", new BackendConfig(2, Map.of()), line -> {});
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    private JobRunner runner(RunnerSettings settings, Backend backend) {
        Retry retry = Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .giveUpAfter(Duration.ofSeconds(2))
                .sleeper(millis -> {});
        ModelRegistry models = new ModelRegistry(backend, fetcher, retry, 1, () -> reference);
        return new JobRunner(store, events, models, retry, settings, new WorkerMetrics(meters), Clock.systemUTC());
    }

    private JobRunner runner() {
        return runner(settings(), reference);
    }

    private static RunnerSettings settings() {
        return new RunnerSettings(
                "worker-a",
                1_000_000,
                AdmissionRule.DEFAULT,
                Duration.ofMinutes(5),
                Duration.ZERO,
                Duration.ZERO,
                5,
                false);
    }

    private static Delivery delivery(JobRequest request) {
        return new Delivery(request.jobId(), ContractJson.write(request), 1);
    }

    private JobRequest submitted(int rounds, int iters) {
        JobRequest request = TestJobs.request(JobIds.random(), TestJobs.options(rounds, iters));
        TestJobs.submit(store, request);
        return request;
    }

    private Disposition run(JobRequest request) {
        return runner().run(request, delivery(request), new JobControl());
    }

    @Test
    void runStoresEveryRoundBeforeItsEventAndSucceeds() {
        JobRequest request = submitted(2, 2);

        Disposition disposition = run(request);

        assertThat(disposition).isEqualTo(Disposition.accept("succeeded"));
        String id = request.jobId();
        JobStatus status = store.storedStatus(id);
        assertThat(status.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(status.roundsDone()).isEqualTo(2);
        assertThat(status.workerId()).isEqualTo("worker-a");
        assertThat(status.run().backend()).isEqualTo("reference");
        assertThat(status.run().modelSha256()).isEqualTo(TinyModel.SHA256);
        assertThat(status.lastRoundMillis()).isNotNull();
        for (int round = 0; round < 2; round++) {
            byte[] image = store.object(JobKeys.roundImage(id, round, "png")).orElseThrow();
            assertThat(ImageCodec.decode(image, "round", 1_000_000).width()).isEqualTo(TestJobs.WIDTH);
            assertThat(store.object(JobKeys.roundCheckpoint(id, round))).isPresent();
        }
        assertThat(log)
                .containsSubsequence(
                        "put status running roundsDone=0",
                        "event started",
                        "put round-000000.png",
                        "put round-000000.f32",
                        "put status running roundsDone=1",
                        "event round 0",
                        "put round-000001.png",
                        "put round-000001.f32",
                        "put status running roundsDone=2",
                        "event round 1",
                        "put status succeeded roundsDone=2",
                        "event succeeded 2");
        assertThat(events.of(EventType.PROGRESS)).hasSize(4);
        JobEvent round1 = events.of(EventType.ROUND).get(1);
        assertThat(round1.imageKey()).isEqualTo(JobKeys.roundImage(id, 1, "png"));
        assertThat(round1.attempt()).isEqualTo(status.attempt());
        assertThat(meters.get("nightmare.worker.iterations").counter().count()).isEqualTo(4);
    }

    @Test
    void everyRoundImageCarriesItsRecipe() {
        JobRequest request = submitted(2, 1);

        run(request);

        for (int round = 0; round < 2; round++) {
            byte[] image = store.object(JobKeys.roundImage(request.jobId(), round, "png"))
                    .orElseThrow();
            Recipe recipe = Recipe.fromImage(image).orElseThrow();
            assertThat(recipe.round()).isEqualTo(round);
            assertThat(recipe.options()).isEqualTo(request.options());
            assertThat(recipe.modelSha256()).isEqualTo(TinyModel.SHA256);
            assertThat(recipe.backend()).isEqualTo("reference");
            assertThat(recipe.engineVersion()).isEqualTo(EngineVersion.get());
            assertThat(recipe.input()).isEqualTo(new Recipe.Input(null, null, TestJobs.WIDTH, TestJobs.HEIGHT));
            // The recipe is metadata: the pixels are the checkpoint's, darknet's bytes.
            Checkpoint checkpoint = Checkpoint.fromFloatImage(
                    round,
                    FloatImageFile.decode(
                            store.object(JobKeys.roundCheckpoint(request.jobId(), round))
                                    .orElseThrow(),
                            "checkpoint"));
            assertThat(ImageCodec.decode(image, "round", 1_000_000).data())
                    .isEqualTo(ImageCodec.decode(
                                    ImageCodec.encode(checkpoint.image(), ImageCodec.Format.PNG), "plain", 1_000_000)
                            .data());
        }
    }

    @Test
    void redeliveredJobResumesAfterStoredRoundsWithIdenticalImages() {
        JobRequest uninterrupted = submitted(3, 2);
        run(uninterrupted);

        // A second job with the same options and input whose first worker stored rounds 0 and 1 and died.
        JobRequest resumed = TestJobs.request(JobIds.random(), uninterrupted.options());
        TestJobs.submit(store, resumed);
        for (int round = 0; round < 2; round++) {
            store.put(
                    JobKeys.roundImage(resumed.jobId(), round, "png"),
                    store.object(JobKeys.roundImage(uninterrupted.jobId(), round, "png"))
                            .orElseThrow());
            store.put(
                    JobKeys.roundCheckpoint(resumed.jobId(), round),
                    store.object(JobKeys.roundCheckpoint(uninterrupted.jobId(), round))
                            .orElseThrow());
        }
        JobStatus dead = JobStatus.started(resumed.jobId(), "worker-b", "dead-attempt", 1, 3, 2, 0, null, Instant.now())
                .afterRound(1, 10, Instant.now());
        store.put(JobKeys.status(resumed.jobId()), ContractJson.write(dead));
        log.clear();

        Disposition disposition =
                runner().run(resumed, new Delivery(resumed.jobId(), ContractJson.write(resumed), 2), new JobControl());

        assertThat(disposition).isEqualTo(Disposition.accept("succeeded"));
        assertThat(store.roundsWritten()).as("only round 2 is computed again").containsExactly(2);
        assertThat(store.object(JobKeys.roundImage(resumed.jobId(), 2, "png")).orElseThrow())
                .isEqualTo(store.object(JobKeys.roundImage(uninterrupted.jobId(), 2, "png"))
                        .orElseThrow());
        assertThat(store.object(JobKeys.roundCheckpoint(resumed.jobId(), 2)).orElseThrow())
                .isEqualTo(store.object(JobKeys.roundCheckpoint(uninterrupted.jobId(), 2))
                        .orElseThrow());
        JobStatus status = store.storedStatus(resumed.jobId());
        assertThat(status.deliveryCount()).isEqualTo(2);
        assertThat(status.attempt()).isNotEqualTo("dead-attempt");
        assertThat(status.roundsDone()).isEqualTo(3);
    }

    @Test
    void cancelMarkerStopsTheRunWithinOneIteration() {
        JobRequest request = submitted(3, 4);
        // Check 1 happens at take-over; checks 2.. before each iteration. Cancel before iteration 3.
        store.cancelFromCheck(4);

        Disposition disposition = run(request);

        assertThat(disposition).isEqualTo(Disposition.accept("canceled"));
        assertThat(store.storedStatus(request.jobId()).state()).isEqualTo(JobState.CANCELED);
        assertThat(events.of(EventType.PROGRESS))
                .as("iterations 0 and 1 ran, not 2")
                .hasSize(2);
        assertThat(events.types()).endsWith(EventType.CANCELED);
        assertThat(store.roundsWritten()).isEmpty();
    }

    @Test
    void cancelMarkerPresentAtDeliveryCancelsWithoutDreaming() {
        JobRequest request = submitted(2, 2);
        store.put(JobKeys.cancel(request.jobId()), new byte[0]);

        assertThat(run(request)).isEqualTo(Disposition.accept("canceled"));
        assertThat(events.types()).containsExactly(EventType.STARTED, EventType.CANCELED);
        assertThat(fetcher.fetches()).as("the model is never needed").isZero();
    }

    @Test
    void ownershipTakenMidRoundStopsWithoutWritingTheRound() {
        JobRequest request = submitted(2, 3);
        AtomicInteger checks = new AtomicInteger();
        store.onCancelCheck(() -> {
            if (checks.incrementAndGet() == 3) {
                // Another worker took the job over while this one dreams round 0.
                JobStatus other = JobStatus.started(
                        request.jobId(), "worker-b", "other-attempt", 2, 2, 3, 0, null, Instant.now());
                store.put(JobKeys.status(request.jobId()), ContractJson.write(other));
            }
        });

        Disposition disposition = run(request);

        assertThat(disposition).isEqualTo(Disposition.accept("lost"));
        assertThat(store.roundsWritten()).isEmpty();
        assertThat(store.storedStatus(request.jobId()).attempt()).isEqualTo("other-attempt");
        assertThat(events.types()).doesNotContain(EventType.ROUND, EventType.SUCCEEDED, EventType.FAILED);
    }

    @Test
    void deletedJobStopsAtItsNextWrite() {
        JobRequest request = submitted(2, 2);
        store.onCancelCheck(() -> store.delete(JobKeys.status(request.jobId())));

        assertThat(run(request)).isEqualTo(Disposition.accept("lost"));
        assertThat(store.roundsWritten()).isEmpty();
    }

    @Test
    void jobDeletedMidRoundStopsAtTheNextCheckWithoutWriting() {
        // DELETE removes every object of the job, the cancel marker with them: a worker that
        // did not see the marker in its brief life must still stop now, not at the round's end.
        JobRequest request = submitted(1, 50);
        String id = request.jobId();
        AtomicInteger checks = new AtomicInteger();
        store.onCancelCheck(() -> {
            if (checks.incrementAndGet() == 3) {
                store.deleteAllOf(id);
            }
        });

        assertThat(run(request)).isEqualTo(Disposition.accept("lost"));
        // Check 1 is the take-over's, checks 2.. come before each iteration: deleted before iteration 1.
        assertThat(events.of(EventType.PROGRESS))
                .as("stopped before iteration 1 of 50")
                .hasSize(1);
        assertThat(store.keys()).as("nothing written back").noneMatch(k -> k.startsWith(JobKeys.prefix(id)));
        assertThat(events.types()).doesNotContain(EventType.ROUND, EventType.CANCELED, EventType.SUCCEEDED);
    }

    @Test
    void aStatusWriteThatLandsAfterTheJobsDeletionIsRemoved() {
        // DELETE writes the cancel marker, then removes the job's objects. The worker sees the
        // marker and records "canceled"; its conditional write passed while status.json existed and
        // lands after the removal (s3proxy checks, then writes). The worker removes it again.
        JobRequest request = submitted(1, 50);
        String id = request.jobId();
        store.onCancelCheck(() -> store.put(JobKeys.cancel(id), new byte[0]));
        store.betweenCheckAndWrite(() -> {
            if (store.object(JobKeys.cancel(id)).isPresent()) {
                store.deleteAllOf(id);
            }
        });

        assertThat(run(request)).isEqualTo(Disposition.accept("canceled"));
        assertThat(log).contains("delete job " + id);
        assertThat(store.keys())
                .as("nothing of the deleted job stays")
                .noneMatch(k -> k.startsWith(JobKeys.prefix(id)));
    }

    @Test
    void aCanceledJobThatStillExistsKeepsItsStatus() {
        JobRequest request = submitted(1, 50);
        String id = request.jobId();
        store.onCancelCheck(() -> store.put(JobKeys.cancel(id), new byte[0]));

        assertThat(run(request)).isEqualTo(Disposition.accept("canceled"));
        assertThat(log).doesNotContain("delete job " + id);
        assertThat(store.storedStatus(id).state()).isEqualTo(JobState.CANCELED);
    }

    @Test
    void finishedJobIsAcceptedAsDuplicateWithoutWrites() {
        JobRequest request = submitted(1, 1);
        run(request);
        log.clear();

        assertThat(run(request)).isEqualTo(Disposition.accept("duplicate"));
        assertThat(log).isEmpty();
    }

    @Test
    void requestWithoutRequestJsonIsDroppedAsDeleted() {
        JobRequest request = TestJobs.request(JobIds.random(), TestJobs.options(1, 1));

        assertThat(run(request)).isEqualTo(Disposition.accept("deleted"));
        assertThat(log).isEmpty();
    }

    @Test
    void takeOverRaceLostToAnotherWorkerReleases() {
        JobRequest request = submitted(1, 1);
        JobStatus other = JobStatus.started(request.jobId(), "worker-b", "b", 1, 1, 1, 0, null, Instant.now());
        // The status this worker reads is replaced before its conditional write.
        store.onCancelCheck(() -> {});
        store.put(JobKeys.status(request.jobId()), ContractJson.write(other));
        JobRunner racing = new JobRunner(
                new RacingStore(store, request.jobId()),
                events,
                new ModelRegistry(reference, fetcher, quickRetry(), 1, () -> reference),
                quickRetry(),
                settings(),
                new WorkerMetrics(meters),
                Clock.systemUTC());

        Disposition disposition = racing.run(request, delivery(request), new JobControl());

        assertThat(disposition).isEqualTo(Disposition.release("taken"));
        assertThat(events.all()).isEmpty();
    }

    @Test
    void messageThatDiffersFromTheStoredRequestIsDeadLetteredAndNotRun() {
        JobRequest stored = TestJobs.request(
                JobIds.random(),
                SampleJobs.options(TinyModel.NAME, 4)
                        .rounds(1)
                        .iters(1)
                        .octaves(2)
                        .seed(7)
                        .resolved(null));
        stored = new JobRequest(
                stored.schemaVersion(),
                stored.jobId(),
                stored.owner(),
                stored.options(),
                stored.modelSha256(),
                stored.inputKey(),
                stored.inputWidth(),
                stored.inputHeight(),
                stored.createdAt(),
                stored.createdAt().plus(Duration.ofHours(1)),
                null);
        TestJobs.submit(store, stored);
        JobRequest forged = TestJobs.request(stored.jobId(), TestJobs.options(3, 2));

        Disposition disposition = runner().run(forged, delivery(forged), new JobControl());

        assertThat(disposition).isInstanceOf(Disposition.DeadLetter.class);
        assertThat(((Disposition.DeadLetter) disposition).reason()).isEqualTo("REQUEST_MISMATCH");
        assertThat(store.object(JobKeys.status(stored.jobId())))
                .as("nothing ran, nothing was written")
                .isEmpty();
        assertThat(store.roundsWritten()).isEmpty();
        assertThat(events.all()).isEmpty();
    }

    @Test
    void unknownModelVersionFailsTheJobAndDeadLetters() {
        JobRequest good = TestJobs.request(JobIds.random(), TestJobs.options(1, 1));
        JobRequest request = new JobRequest(
                good.schemaVersion(),
                good.jobId(),
                good.owner(),
                good.options(),
                "0".repeat(64),
                good.inputKey(),
                good.inputWidth(),
                good.inputHeight(),
                good.createdAt(),
                null,
                null);
        TestJobs.submit(store, request);

        Disposition disposition = run(request);

        assertThat(disposition).isInstanceOf(Disposition.DeadLetter.class);
        assertThat(((Disposition.DeadLetter) disposition).reason()).isEqualTo("UNKNOWN_MODEL");
        assertThat(store.storedStatus(request.jobId()).error())
                .contains("is no longer in the model-store")
                .contains("0".repeat(64));
    }

    @Test
    void missingInputFailsTheJobAndDeadLetters() {
        JobRequest request = submitted(1, 1);
        store.delete(JobKeys.input(request.jobId()));

        Disposition disposition = run(request);

        assertThat(((Disposition.DeadLetter) disposition).reason()).isEqualTo("MISSING_INPUT");
        assertThat(store.storedStatus(request.jobId()).state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void jobBeyondThisWorkersAdmissionRuleFailsNamingLimitAndEstimate() {
        JobRequest tooMuchWork = submitted(1, 1);
        JobRequest tooLarge = submitted(1, 1);
        RunnerSettings littleWork = new RunnerSettings(
                "worker-a",
                1_000_000,
                new AdmissionRule(1_000, 1L << 30),
                Duration.ofMinutes(5),
                Duration.ZERO,
                Duration.ZERO,
                5,
                false);
        RunnerSettings littleMemory = new RunnerSettings(
                "worker-a",
                1_000_000,
                new AdmissionRule(1L << 60, 1_000),
                Duration.ofMinutes(5),
                Duration.ZERO,
                Duration.ZERO,
                5,
                false);

        Disposition work = runner(littleWork, reference).run(tooMuchWork, delivery(tooMuchWork), new JobControl());
        Disposition memory = runner(littleMemory, reference).run(tooLarge, delivery(tooLarge), new JobControl());

        assertThat(work).isEqualTo(Disposition.accept("failed"));
        assertThat(store.storedStatus(tooMuchWork.jobId()).error())
                .contains("this worker cannot run the job")
                .contains("a job may take at most 0.0 GFLOP");
        assertThat(memory).isEqualTo(Disposition.accept("failed"));
        assertThat(store.storedStatus(tooLarge.jobId()).error())
                .contains("at its working size of 3072 pixels")
                .contains("maxSide");
        assertThat(store.roundsWritten()).isEmpty();
    }

    @Test
    void jobLongerThanTheTimeLimitFailsKeepingItsRounds() {
        JobRequest request = submitted(2, 1);
        RunnerSettings instant = new RunnerSettings(
                "worker-a", 1_000_000, AdmissionRule.DEFAULT, Duration.ZERO, Duration.ZERO, Duration.ZERO, 5, false);

        Disposition disposition = runner(instant, reference).run(request, delivery(request), new JobControl());

        assertThat(disposition).isEqualTo(Disposition.accept("failed"));
        assertThat(store.storedStatus(request.jobId()).error())
                .startsWith("the job ran longer than this service's limit of 0 s");
    }

    @Test
    void transientStoreFailuresAreRetriedWithoutFailingTheJob() {
        JobRequest request = submitted(2, 1);
        store.failNext("putRound", 2);
        store.failNext("status", 1);

        assertThat(run(request)).isEqualTo(Disposition.accept("succeeded"));
        assertThat(store.storedStatus(request.jobId()).roundsDone()).isEqualTo(2);
    }

    @Test
    void persistentStoreOutageReleasesTheJobForRedelivery() {
        JobRequest request = submitted(2, 1);
        store.failNext("putRound", 1000);

        assertThat(run(request)).isEqualTo(Disposition.release("unavailable"));
        JobStatus status = store.storedStatus(request.jobId());
        assertThat(status.state()).as("not failed: the next delivery resumes").isEqualTo(JobState.RUNNING);
        assertThat(events.types()).doesNotContain(EventType.FAILED);
    }

    @Test
    void drainFinishesTheRoundInProgressThenReleases() {
        JobRequest request = submitted(3, 2);
        JobControl control = new JobControl();
        store.onCancelCheck(() -> {
            if (store.cancelChecks() == 2) {
                control.drain();
            }
        });

        Disposition disposition = runner().run(request, delivery(request), control);

        assertThat(disposition).isEqualTo(Disposition.release("shutdown"));
        assertThat(store.roundsWritten()).containsExactly(0);
        assertThat(store.storedStatus(request.jobId()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void lostLockStopsWithoutFurtherWrites() {
        JobRequest request = submitted(2, 2);
        JobControl control = new JobControl();
        store.onCancelCheck(control::lockLost);

        Disposition disposition = runner().run(request, delivery(request), control);

        assertThat(disposition).isEqualTo(Disposition.release("lock-lost"));
        assertThat(store.roundsWritten()).isEmpty();
        assertThat(store.storedStatus(request.jobId()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void gpuOutOfMemoryFailsTheJobWithAMessage() {
        JobRequest request = submitted(1, 1);

        Disposition disposition =
                runner(settings(), outOfMemoryBackend()).run(request, delivery(request), new JobControl());

        assertThat(disposition).isEqualTo(Disposition.accept("failed"));
        assertThat(store.storedStatus(request.jobId()).error())
                .contains("does not fit in this worker's GPU memory")
                .contains("smaller maxSide");
    }

    @Test
    void gpuOutOfMemoryContinuesOnTheCpuWhenConfigured() {
        JobRequest request = submitted(2, 1);
        RunnerSettings fallback = new RunnerSettings(
                "worker-a",
                1_000_000,
                AdmissionRule.DEFAULT,
                Duration.ofMinutes(5),
                Duration.ZERO,
                Duration.ZERO,
                5,
                true);

        Disposition disposition =
                runner(fallback, outOfMemoryBackend()).run(request, delivery(request), new JobControl());

        assertThat(disposition).isEqualTo(Disposition.accept("succeeded"));
        assertThat(store.storedStatus(request.jobId()).run().backend()).isEqualTo("reference");
    }

    @Test
    void deviceMemoryIsSampledIntoTheMetricsAfterEachRound() {
        JobRequest request = submitted(1, 1);
        Backend gpu = new Backend() {
            @Override
            public String name() {
                return "stand-in";
            }

            @Override
            public String device() {
                return "a device with 8 GiB";
            }

            @Override
            public DreamSession open(dev.nightmare.engine.model.Model model, SessionOptions options) {
                return reference.open(model, options);
            }

            @Override
            public java.util.Optional<DeviceMemoryReading> deviceMemory() {
                return java.util.Optional.of(new DeviceMemoryReading(3L << 30, 8L << 30));
            }

            @Override
            public void close() {}
        };

        Disposition disposition = runner(settings(), gpu).run(request, delivery(request), new JobControl());

        assertThat(disposition).isEqualTo(Disposition.accept("succeeded"));
        assertThat(meters.get("nightmare.worker.gpu.memory.free").gauge().value())
                .isEqualTo((double) (3L << 30));
        assertThat(meters.get("nightmare.worker.gpu.memory.total").gauge().value())
                .isEqualTo((double) (8L << 30));
    }

    @Test
    void unexpectedErrorReleasesUntilTheLastDeliveryThenFails() {
        JobRequest request = submitted(1, 1);
        Backend broken = failingBackend(new IllegalStateException("kernel exploded"));

        Disposition early = runner(settings(), broken)
                .run(request, new Delivery(request.jobId(), ContractJson.write(request), 1), new JobControl());
        Disposition last = runner(settings(), broken)
                .run(request, new Delivery(request.jobId(), ContractJson.write(request), 5), new JobControl());

        assertThat(early).isEqualTo(Disposition.release("error"));
        assertThat(last).isInstanceOf(Disposition.DeadLetter.class);
        assertThat(((Disposition.DeadLetter) last).reason()).isEqualTo("PROCESSING_FAILED");
        assertThat(store.storedStatus(request.jobId()).error())
                .contains("5 times")
                .contains("kernel exploded");
    }

    @Test
    void aNativeAllocationRefusedIsRetriedThenFailsTheJobInsteadOfLoopingForever() {
        JobRequest request = submitted(1, 1);
        Backend starved = failingBackend(new OutOfMemoryError("Physical memory usage is too high"));

        Disposition early = runner(settings(), starved)
                .run(request, new Delivery(request.jobId(), ContractJson.write(request), 1), new JobControl());
        Disposition last = runner(settings(), starved)
                .run(request, new Delivery(request.jobId(), ContractJson.write(request), 5), new JobControl());

        assertThat(early).isEqualTo(Disposition.release("error"));
        assertThat(last).isInstanceOf(Disposition.DeadLetter.class);
        assertThat(store.storedStatus(request.jobId()).state()).isEqualTo(JobState.FAILED);
        assertThat(store.storedStatus(request.jobId()).error()).contains("Physical memory usage is too high");
    }

    private static Retry quickRetry() {
        return Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .giveUpAfter(Duration.ofSeconds(2))
                .sleeper(millis -> {});
    }

    private static Backend outOfMemoryBackend() {
        return failingBackend(new OutOfDeviceMemoryException("not enough GPU memory for the image: 3 GiB requested"));
    }

    /** A backend named like the GPU one whose sessions throw {@code error} on upload. */
    private static Backend failingBackend(Throwable error) {
        return (Backend) Proxy.newProxyInstance(
                JobRunnerTest.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "name":
                            return "cuda";
                        case "device":
                            return "stand-in GPU";
                        case "open":
                            DreamSession real = reference.open(
                                    (dev.nightmare.engine.model.Model) args[0],
                                    (dev.nightmare.engine.backend.SessionOptions) args[1]);
                            return Proxy.newProxyInstance(
                                    JobRunnerTest.class.getClassLoader(),
                                    new Class<?>[] {DreamSession.class},
                                    (p, m, a) -> {
                                        if (m.getName().equals("upload")) {
                                            throw error;
                                        }
                                        try {
                                            return m.invoke(real, a);
                                        } catch (InvocationTargetException e) {
                                            throw e.getCause();
                                        }
                                    });
                        case "deviceMemory":
                            return java.util.Optional.empty();
                        case "close":
                            return null;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    /** Lets another worker's status land between this worker's read and its conditional write. */
    private static final class RacingStore implements JobStore {
        private final InMemoryJobStore store;
        private final String jobId;
        private boolean raced;

        RacingStore(InMemoryJobStore store, String jobId) {
            this.store = store;
            this.jobId = jobId;
        }

        @Override
        public java.util.Optional<byte[]> request(String id) {
            return store.request(id);
        }

        @Override
        public java.util.Optional<byte[]> input(String id) {
            return store.input(id);
        }

        @Override
        public java.util.Optional<Versioned<JobStatus>> status(String id) {
            java.util.Optional<Versioned<JobStatus>> read = store.status(id);
            if (!raced) {
                raced = true;
                JobStatus other = JobStatus.started(jobId, "worker-c", "c", 2, 1, 1, 0, null, Instant.now());
                store.put(JobKeys.status(jobId), ContractJson.write(other));
            }
            return read;
        }

        @Override
        public boolean cancelRequested(String id) {
            return store.cancelRequested(id);
        }

        @Override
        public void deleteJob(String id) {
            store.deleteJob(id);
        }

        @Override
        public int storedRounds(String id, String format) {
            return store.storedRounds(id, format);
        }

        @Override
        public java.util.Optional<dev.nightmare.engine.image.Image> checkpoint(String id, int round, long maxValues) {
            return store.checkpoint(id, round, maxValues);
        }

        @Override
        public void putRound(
                String id, int round, String format, java.nio.file.Path image, java.nio.file.Path checkpoint) {
            store.putRound(id, round, format, image, checkpoint);
        }

        @Override
        public String putStatus(JobStatus status, String expectedEtag) {
            return store.putStatus(status, expectedEtag);
        }
    }
}
