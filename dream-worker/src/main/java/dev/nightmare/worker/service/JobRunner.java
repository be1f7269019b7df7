package dev.nightmare.worker.service;

import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.RunDetails;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.OutOfDeviceMemoryException;
import dev.nightmare.engine.dream.CancelledException;
import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.NonFiniteImageException;
import dev.nightmare.engine.dream.OptionException;
import dev.nightmare.engine.dream.RunInfo;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.tiling.Tiling;
import dev.nightmare.retry.Retry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Runs one delivery of a nightmare request to its end, following docs/architecture.md: take the
 * job over ({@link OwnedStatus}) unless {@link Preflight} settles it first, dream what Preflight
 * finds ready, resuming after the rounds already stored, with a {@link JobListener} that stores
 * every round, and map how the run ended to a final state and event and to what becomes of the
 * Kafka record. Never throws for a job's own failure; transient S3 and model-store failures are
 * retried and, when they persist, release the job for redelivery instead of failing it.
 */
public final class JobRunner {
    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private final JobServices services;
    private final ModelRegistry models;
    private final Retry retry;
    private final RunnerSettings settings;
    /** Concurrent S3 reads and writes of the job thread (blocking I/O, so virtual threads). */
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();

    public JobRunner(
            JobStore store,
            EventPublisher events,
            ModelRegistry models,
            Retry retry,
            RunnerSettings settings,
            WorkerMetrics metrics,
            java.time.Clock clock) {
        this.services = new JobServices(store, events, metrics, settings, clock);
        this.models = models;
        this.retry = retry.retryOn(TransientException.class::isInstance);
        this.settings = settings;
    }

    /** Runs the delivered request; {@code control} carries shutdown and lock-loss signals in. */
    public Disposition run(JobRequest request, Delivery delivery, JobControl control) {
        services.metrics().busy(true);
        try {
            return new Run(request, delivery, control).run();
        } finally {
            services.metrics().busy(false);
        }
    }

    /** One delivery's run: the state between take-over and outcome. */
    private final class Run {
        private final JobRequest request;
        private final Delivery delivery;
        private final JobControl control;
        private final String id;
        private final JobOptions options;
        private final JobIo jobIo;
        private final StoredInputs inputs;
        private final Preflight preflight;
        private final long deliveredNanos = System.nanoTime();
        private final long limitNanos =
                deliveredNanos + settings.maxJobDuration().toNanos();
        private OwnedStatus owned;
        private AttemptEvents events;

        Run(JobRequest request, Delivery delivery, JobControl control) {
            this.request = request;
            this.delivery = delivery;
            this.control = control;
            this.id = request.jobId();
            this.options = request.options();
            this.jobIo = new JobIo(id, retry, control, io);
            this.inputs = new StoredInputs(id, services.store(), jobIo, settings.maxPixels());
            this.preflight = new Preflight(request, models, inputs, settings.admission(), control);
        }

        Disposition run() {
            try {
                return takeOverAndRun();
            } catch (OwnershipLost e) {
                LOG.infof("job %s: %s; stopping without further writes", id, e.getMessage());
                return Disposition.accept("lost");
            } catch (TransientException e) {
                LOG.warnf("job %s: released for redelivery, a dependency is unavailable: %s", id, e.getMessage());
                return Disposition.release("unavailable");
            } finally {
                removeWritesAfterADeletion();
            }
        }

        /**
         * A DELETE that raced this attempt's last write may have lost: an S3 server whose
         * conditional write is not atomic with a delete (s3proxy's check-then-write) lets a status
         * write that passed its check land after the object was removed, and an unconditional
         * round upload can land after the prefix was swept. Once the job is gone, what this worker
         * wrote is removed, so nothing of a deleted job stays stored.
         */
        private void removeWritesAfterADeletion() {
            if (owned == null) {
                return; // nothing written
            }
            JobStore store = services.store();
            try {
                if (!store.exists(id)) {
                    store.deleteJob(id);
                    LOG.infof("job %s: deleted during this attempt; removed what it wrote", id);
                }
            } catch (TransientException e) {
                LOG.warnf("job %s: could not check for a deletion after the attempt: %s", id, e.getMessage());
            }
        }

        private Disposition takeOverAndRun() {
            JobStore store = services.store();
            // Everything the take-over and the run read, at once: one round trip instead of five.
            CompletableFuture<Optional<byte[]>> stored = jobIo.async("read request", () -> store.request(id));
            CompletableFuture<Optional<Versioned<JobStatus>>> read = jobIo.async("read status", () -> store.status(id));
            CompletableFuture<Integer> listed = jobIo.async(
                    "list rounds",
                    () -> store.storedRounds(id, options.imageFormat().extension()));
            CompletableFuture<Boolean> canceled = jobIo.async("check cancel marker", () -> store.cancelRequested(id));
            CompletableFuture<Optional<byte[]>> inputBytes = jobIo.async("read input", () -> store.input(id));
            Optional<Disposition> settled = preflight.beforeTakeOver(stored, read);
            if (settled.isPresent()) {
                return settled.get();
            }
            Optional<Versioned<JobStatus>> current = JobIo.join(read);

            // Take over: a fresh attempt, conditional on the status this worker read.
            int rounds = options.rounds();
            int done = Math.min(rounds, JobIo.join(listed));
            Instant now = services.clock().instant();
            JobStatus started = JobStatus.started(
                    id,
                    settings.workerId(),
                    JobIds.newAttempt(),
                    delivery.deliveryCount(),
                    rounds,
                    options.iters(),
                    done,
                    details(models.backend()),
                    now);
            Optional<OwnedStatus> taken = OwnedStatus.takeOver(
                    store, jobIo, started, current.map(Versioned::etag).orElse(null));
            if (taken.isEmpty()) {
                LOG.infof("job %s: another worker took it first; releasing", id);
                return Disposition.release("taken");
            }
            owned = taken.get();
            events = new AttemptEvents(
                    services.events(), services.clock(), id, settings.workerId(), owned.attempt(), options);
            events.started(now, started.run());
            if (delivery.deliveryCount() <= 1) {
                services.metrics().queueWait(Duration.between(request.createdAt(), now));
            }
            LOG.infof(
                    "job %s: taken (delivery %d, attempt %s); %d of %d rounds already stored",
                    id, delivery.deliveryCount(), owned.attempt(), done, rounds);

            return switch (preflight.beforeDreaming(canceled, now, done, inputBytes)) {
                case Preflight.Ends ends -> {
                    Disposition finished = finish(ends.state(), ends.error());
                    yield ends.deadLetter() == null ? finished : ends.deadLetter();
                }
                case Preflight.AllStored allStored -> succeed();
                case Preflight.Ready ready -> dream(ready, done);
            };
        }

        /** Dreams what {@link Preflight} found ready, resuming after the {@code done} rounds stored. */
        private Disposition dream(Preflight.Ready ready, int done) {
            JobListener listener = new JobListener(
                    request, owned, events, jobIo, services, control, models.backend(), limitNanos, deliveredNanos);
            listener.cancelMarkerChecked();
            Checkpoint resume = inputs.resumePoint(done, ready.input(), ready.engineOptions());
            return dream(ready.loaded(), ready.input(), ready.engineOptions(), resume, listener);
        }

        private Disposition dream(
                ModelRegistry.Loaded loaded,
                Image input,
                NightmareOptions engineOptions,
                Checkpoint resume,
                JobListener listener) {
            if (!loaded.backend().name().equals(owned.current().run().backend())) {
                owned.runOn(details(loaded.backend()));
            }
            try {
                // Large images run in exact tiles sized to the memory admission allows an iteration.
                Tiling tiling =
                        Tiling.withinIteration(settings.admission().maxPeakBytes(), input.width(), input.height());
                new Nightmare(loaded.session(), tiling).run(input, engineOptions, resume, listener);
            } catch (CancelledException e) {
                // The listener asked for it; its stop reason says why.
            } catch (NonFiniteImageException e) {
                return finish(
                        JobState.FAILED,
                        "the dream diverged (" + e.getMessage() + "); try a lower rate or a higher thresh");
            } catch (OptionException e) {
                return finish(JobState.FAILED, e.getMessage());
            } catch (OutOfDeviceMemoryException e) {
                return outOfMemory(loaded, input, engineOptions, e, listener);
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
                // A native allocation refused (JavaCPP throws OutOfMemoryError) fails this job, not
                // the worker: like any unexpected failure it is retried, then failed and dead-lettered.
                return unexpected(e);
            }
            return listener.stop().map(this::stopped).orElseGet(this::succeed);
        }

        private Disposition stopped(StopReason why) {
            return switch (why.kind()) {
                case CANCELED -> finish(JobState.CANCELED, null);
                case DELETED -> throw new OwnershipLost("the job was deleted");
                case OWNERSHIP_LOST -> throw new OwnershipLost(why.detail());
                case UNAVAILABLE -> throw new TransientException(why.detail(), null);
                case TIME_LIMIT -> {
                    JobStatus s = owned.current();
                    yield finish(
                            JobState.FAILED,
                            "the job ran longer than this service's limit of " + inWords(settings.maxJobDuration())
                                    + "; " + s.roundsDone() + " of " + s.rounds() + " rounds are stored");
                }
                case DEADLINE -> {
                    JobStatus s = owned.current();
                    yield finish(
                            JobState.FAILED,
                            "the job's deadline (" + request.deadline() + ") passed; " + s.roundsDone() + " of "
                                    + s.rounds() + " rounds are stored");
                }
                case SHUTDOWN -> {
                    LOG.infof(
                            "job %s: released for redelivery at shutdown after %d stored rounds",
                            id, owned.current().roundsDone());
                    yield Disposition.release("shutdown");
                }
                case LOCK_LOST -> {
                    LOG.warnf("job %s: the Kafka lock was lost; stopping without further writes", id);
                    yield Disposition.release("lock-lost");
                }
            };
        }

        private Disposition outOfMemory(
                ModelRegistry.Loaded loaded,
                Image input,
                NightmareOptions engineOptions,
                OutOfDeviceMemoryException e,
                JobListener listener) {
            String what = rootMessage(e);
            if (settings.gpuOutOfMemoryToCpu() && loaded.backend() == models.backend()) {
                LOG.warnf("job %s: GPU out of memory (%s); continuing on the CPU backend", id, what);
                ModelRegistry.Loaded cpu = models.onCpu(
                        request.model(),
                        request.modelSha256(),
                        request.options().batchNormGradient(),
                        control::abandoned);
                int done = owned.current().roundsDone();
                return dream(cpu, input, engineOptions, inputs.resumePoint(done, input, engineOptions), listener);
            }
            return finish(
                    JobState.FAILED,
                    "the image does not fit in this worker's GPU memory (" + what
                            + "); submit it again with a smaller maxSide");
        }

        private Disposition unexpected(Throwable e) {
            LOG.errorf(e, "job %s: failed unexpectedly on delivery %d", id, delivery.deliveryCount());
            if (delivery.deliveryCount() >= settings.deliveryLimit()) {
                String error =
                        "the worker failed on this job " + delivery.deliveryCount() + " times: " + rootMessage(e);
                finish(JobState.FAILED, error);
                return new Disposition.DeadLetter("PROCESSING_FAILED", error);
            }
            return Disposition.release("error");
        }

        /** Every round is stored: the video first where the job asked for one ({@link VideoStage}), then succeeded. */
        private Disposition succeed() {
            if (options.animate() == null) {
                return finish(JobState.SUCCEEDED, null);
            }
            return switch (new VideoStage(request, owned, jobIo, services, control, limitNanos).make()) {
                case VideoStage.Stored video -> finish(JobState.SUCCEEDED, null, video.key());
                case VideoStage.Stopped stopped -> stopped(stopped.why());
                case VideoStage.Failed failed -> finish(JobState.FAILED, failed.error());
            };
        }

        private Disposition finish(JobState state, String error) {
            return finish(state, error, null);
        }

        /** The final state and its event (with the video's key, if one was stored); a lost lock leaves both to the next owner. */
        private Disposition finish(JobState state, String error, String videoKey) {
            if (control.isLockLost()) {
                LOG.warnf("job %s: lock lost before recording %s; the next owner will", id, state.wireName());
                return Disposition.release("lock-lost");
            }
            Instant now = services.clock().instant();
            JobStatus done = owned.finish(state, error, now);
            EventType type = switch (state) {
                case SUCCEEDED -> EventType.SUCCEEDED;
                case CANCELED -> EventType.CANCELED;
                default -> EventType.FAILED;
            };
            events.finished(type, now, done.roundsDone(), error, done.run(), videoKey);
            if (error == null) {
                LOG.infof("job %s: %s after %d rounds", id, state.wireName(), done.roundsDone());
            } else {
                LOG.infof("job %s: %s: %s", id, state.wireName(), error);
            }
            return Disposition.accept(state.wireName());
        }

        private RunDetails details(Backend backend) {
            return RunDetails.fromEngine(
                    RunInfo.of(backend, options.toEngine(), options.model(), request.modelSha256()));
        }
    }

    /** "90 s", "30 min", "2 h": a limit as a user reads it. */
    static String inWords(Duration d) {
        long seconds = d.toSeconds();
        if (seconds % 3600 == 0 && seconds >= 3600) {
            return seconds / 3600 + " h";
        }
        if (seconds % 60 == 0 && seconds >= 60) {
            return seconds / 60 + " min";
        }
        return seconds + " s";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
