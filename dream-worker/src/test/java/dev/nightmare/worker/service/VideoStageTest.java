package dev.nightmare.worker.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.AnimateOptions;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.testing.SampleJobs;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.dream.AdmissionRule;
import dev.nightmare.retry.Retry;
import dev.nightmare.video.Animation;
import dev.nightmare.video.VideoFormat;
import dev.nightmare.video.testing.FfProbe;
import dev.nightmare.worker.testing.InMemoryJobStore;
import dev.nightmare.worker.testing.RecordingEvents;
import dev.nightmare.worker.testing.TestJobs;
import dev.nightmare.worker.testing.TinyModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job with {@code options.animate} against the in-memory S3 and Tiny Darknet: its video is made
 * from the stored rounds after the last one, stored before {@code succeeded}, linked from that
 * event, equal frame for frame after a kill and a resume, and subject to the cancel marker, the
 * time limit and shutdown like the rounds.
 */
class VideoStageTest {
    private static Backend reference;

    private final List<String> log = new ArrayList<>();
    private final InMemoryJobStore store = new InMemoryJobStore(log);
    private final RecordingEvents events = new RecordingEvents(log);

    @TempDir
    Path dir;

    @BeforeAll
    static void backend() {
        reference = Backends.discover().create("reference", new BackendConfig(2, Map.of()), line -> {});
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    private JobRunner runner(Duration maxJobDuration) {
        Retry retry = Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .giveUpAfter(Duration.ofSeconds(2))
                .sleeper(millis -> {});
        ModelRegistry models = new ModelRegistry(reference, new TinyModel(), retry, 1, () -> reference);
        RunnerSettings settings = new RunnerSettings(
                "worker-a", 1_000_000, AdmissionRule.DEFAULT, maxJobDuration, Duration.ZERO, Duration.ZERO, 5, false);
        return new JobRunner(
                store,
                events,
                models,
                retry,
                settings,
                new WorkerMetrics(new SimpleMeterRegistry()),
                Clock.systemUTC());
    }

    private static JobOptions animated(int rounds, String format, int fps, int interpolate) {
        return SampleJobs.options(TinyModel.NAME, 4)
                .rounds(rounds)
                .iters(1)
                .range(1)
                .octaves(2)
                .zoom(0.9f)
                .animate(format, fps, interpolate)
                .resolved(null);
    }

    private JobRequest submitted(JobOptions options) {
        JobRequest request = TestJobs.request(JobIds.random(), options);
        TestJobs.submit(store, request);
        return request;
    }

    private Disposition run(JobRequest request, int delivery, JobControl control, Duration limit) {
        return runner(limit)
                .run(request, new Delivery(request.jobId(), ContractJson.write(request), delivery), control);
    }

    private Path video(JobRequest request, String format) throws Exception {
        Path file = dir.resolve(request.jobId() + "." + format);
        Files.write(file, store.object(JobKeys.video(request.jobId(), format)).orElseThrow());
        return file;
    }

    @Test
    void theVideoIsStoredAfterTheLastRoundAndBeforeSucceededWhichLinksIt() throws Exception {
        FfProbe.assumePresent();
        JobRequest request = submitted(animated(5, "mp4", 12, 1));
        assertThat(request.schemaVersion()).isEqualTo(2);

        Disposition disposition = run(request, 1, new JobControl(), Duration.ofMinutes(5));

        assertThat(disposition).isEqualTo(Disposition.accept("succeeded"));
        assertThat(log)
                .containsSubsequence(
                        "put round-000004.png",
                        "put status running roundsDone=5",
                        "event round 4",
                        "put video.mp4",
                        "put status succeeded roundsDone=5",
                        "event succeeded 5");
        JobEvent succeeded = events.of(EventType.SUCCEEDED).getFirst();
        assertThat(succeeded.videoKey()).isEqualTo(JobKeys.video(request.jobId(), "mp4"));
        assertThat(succeeded.schemaVersion()).isEqualTo(2);
        assertThat(ContractJson.readEvent(ContractJson.write(succeeded))).isEqualTo(succeeded);
        assertThat(events.of(EventType.ROUND))
                .allSatisfy(e -> assertThat(e.schemaVersion()).isEqualTo(1));
        FfProbe.Stream s = FfProbe.probe(video(request, "mp4"));
        assertThat(s.codec()).isEqualTo("h264");
        assertThat(s.profile()).isEqualTo("Constrained Baseline");
        assertThat(s.width()).isEqualTo(TestJobs.WIDTH);
        assertThat(s.height()).isEqualTo(TestJobs.HEIGHT);
        assertThat(s.frames()).isEqualTo(5 + 4);
        assertThat(s.frameRate()).isEqualTo("12/1");
    }

    @Test
    void aJobKilledMidwayAndResumedMakesTheUninterruptedJobsVideo() throws Exception {
        FfProbe.assumePresent();
        JobOptions options = animated(6, "mp4", 24, 2);
        JobRequest uninterrupted = submitted(options);
        assertThat(run(uninterrupted, 1, new JobControl(), Duration.ofMinutes(5)))
                .isEqualTo(Disposition.accept("succeeded"));

        // The same job again, its worker shut down after round 2 (drained: the round is stored, then released).
        JobRequest killed = submitted(options);
        JobControl control = new JobControl();
        store.onCancelCheck(() -> {
            if (store.roundsWritten().size() == 6 + 3) {
                control.drain();
            }
        });
        assertThat(run(killed, 1, control, Duration.ofMinutes(5))).isEqualTo(Disposition.release("shutdown"));
        store.onCancelCheck(() -> {});
        assertThat(store.storedStatus(killed.jobId()).roundsDone()).isBetween(3, 4);
        assertThat(store.object(JobKeys.video(killed.jobId(), "mp4"))).isEmpty();

        // Redelivered: resumes after the stored rounds, then makes the video from all six.
        assertThat(run(killed, 2, new JobControl(), Duration.ofMinutes(5))).isEqualTo(Disposition.accept("succeeded"));
        for (int round = 0; round < 6; round++) {
            assertThat(store.object(JobKeys.roundImage(killed.jobId(), round, "png"))
                            .orElseThrow())
                    .as("round " + round)
                    .isEqualTo(store.object(JobKeys.roundImage(uninterrupted.jobId(), round, "png"))
                            .orElseThrow());
        }
        List<String> expected = FfProbe.frameHashes(video(uninterrupted, "mp4"));
        assertThat(expected).hasSize(6 + 5 * 2);
        assertThat(FfProbe.frameHashes(video(killed, "mp4"))).isEqualTo(expected);
    }

    @Test
    void aRedeliveryAfterTheLastRoundMakesTheVideoWithoutDreaming() throws Exception {
        FfProbe.assumePresent();
        JobOptions options = animated(3, "gif", 10, 0);
        JobRequest first = submitted(options);
        run(first, 1, new JobControl(), Duration.ofMinutes(5));
        JobRequest second = storedButNotFinished(options, first);
        log.clear();

        assertThat(run(second, 2, new JobControl(), Duration.ofMinutes(5))).isEqualTo(Disposition.accept("succeeded"));

        assertThat(store.roundsWritten()).as("nothing dreamed again").isEmpty();
        assertThat(log).containsSubsequence("put video.gif", "put status succeeded roundsDone=3");
        assertThat(FfProbe.frameHashes(video(second, "gif"))).isEqualTo(FfProbe.frameHashes(video(first, "gif")));
        assertThat(FfProbe.probe(video(second, "gif")).seconds()).isBetween(0.29, 0.31);
    }

    @Test
    void theTimeLimitAppliesToTheVideo() {
        JobOptions options = animated(3, "mp4", 24, 0);
        JobRequest first = submitted(options);
        run(first, 1, new JobControl(), Duration.ofMinutes(5));
        JobRequest second = storedButNotFinished(options, first);

        Disposition disposition = run(second, 2, new JobControl(), Duration.ZERO);

        assertThat(disposition).isEqualTo(Disposition.accept("failed"));
        JobStatus status = store.storedStatus(second.jobId());
        assertThat(status.state()).isEqualTo(JobState.FAILED);
        assertThat(status.error())
                .contains("ran longer than this service's limit")
                .contains("3 of 3 rounds");
        assertThat(store.object(JobKeys.video(second.jobId(), "mp4"))).isEmpty();
    }

    @Test
    void theCancelMarkerStopsTheVideoAndShutdownReleasesIt() {
        JobOptions options = animated(3, "mp4", 24, 0);
        JobRequest first = submitted(options);
        run(first, 1, new JobControl(), Duration.ofMinutes(5));

        JobRequest canceled = storedButNotFinished(options, first);
        // Check 1 is the take-over's; check 2 is the video's first.
        store.cancelFromCheck(store.cancelChecks() + 2);
        assertThat(run(canceled, 2, new JobControl(), Duration.ofMinutes(5))).isEqualTo(Disposition.accept("canceled"));
        assertThat(store.storedStatus(canceled.jobId()).state()).isEqualTo(JobState.CANCELED);
        assertThat(store.object(JobKeys.video(canceled.jobId(), "mp4"))).isEmpty();

        store.cancelFromCheck(Integer.MAX_VALUE);
        JobRequest drained = storedButNotFinished(options, first);
        JobControl control = new JobControl();
        control.drain();
        assertThat(run(drained, 2, control, Duration.ofMinutes(5))).isEqualTo(Disposition.release("shutdown"));
        assertThat(store.storedStatus(drained.jobId()).state()).isEqualTo(JobState.RUNNING);
        assertThat(store.object(JobKeys.video(drained.jobId(), "mp4"))).isEmpty();
    }

    @Test
    void aJobWithoutAnimateMakesNoVideoAndStaysVersionOne() {
        JobRequest request = submitted(TestJobs.options(2, 1));
        assertThat(request.schemaVersion()).isEqualTo(1);
        assertThat(run(request, 1, new JobControl(), Duration.ofMinutes(5))).isEqualTo(Disposition.accept("succeeded"));
        assertThat(store.keys()).noneMatch(k -> k.contains("video"));
        JobEvent succeeded = events.of(EventType.SUCCEEDED).getFirst();
        assertThat(succeeded.videoKey()).isNull();
        assertThat(succeeded.schemaVersion()).isEqualTo(1);
    }

    @Test
    void theContractsLimitsAreTheEncodersLimits() {
        assertThat(AnimateOptions.DEFAULT_FPS).isEqualTo(Animation.DEFAULT_FPS);
        assertThat(AnimateOptions.MAX_INTERPOLATE).isEqualTo(Animation.MAX_INTERPOLATE);
        assertThat(AnimateOptions.MAX_FRAMES).isLessThanOrEqualTo(Animation.MAX_FRAMES);
        for (VideoFormat format : VideoFormat.values()) {
            int max = format.maxFps();
            assertThat(new AnimateOptions(format.extension(), max, 0).problems(2))
                    .isEmpty();
            assertThat(new AnimateOptions(format.extension(), max + 1, 0).problems(2))
                    .isNotEmpty();
            assertThat(VideoStage.animation(new AnimateOptions(format.extension(), max, 0)))
                    .isEqualTo(new Animation(format, max, 0));
        }
    }

    /** A job with {@code first}'s rounds all stored whose worker died before the video and the final status. */
    private JobRequest storedButNotFinished(JobOptions options, JobRequest first) {
        JobRequest request = submitted(options);
        int rounds = options.rounds();
        for (int round = 0; round < rounds; round++) {
            store.put(
                    JobKeys.roundImage(request.jobId(), round, "png"),
                    store.object(JobKeys.roundImage(first.jobId(), round, "png"))
                            .orElseThrow());
            store.put(
                    JobKeys.roundCheckpoint(request.jobId(), round),
                    store.object(JobKeys.roundCheckpoint(first.jobId(), round)).orElseThrow());
        }
        JobStatus dead = JobStatus.started(request.jobId(), "worker-b", "dead", 1, rounds, 1, 0, null, Instant.now())
                .afterRound(rounds - 1, 10, Instant.now());
        store.put(JobKeys.status(request.jobId()), ContractJson.write(dead));
        return request;
    }
}
