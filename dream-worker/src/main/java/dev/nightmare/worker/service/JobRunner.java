package dev.nightmare.worker.service;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.RunDetails;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.OutOfDeviceMemoryException;
import dev.nightmare.engine.dream.CancelledException;
import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.EngineVersion;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.NonFiniteImageException;
import dev.nightmare.engine.dream.OptionException;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageException;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.retry.Retry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs one delivery of a nightmare request to its end, following docs/architecture.md: take the
 * job over in {@code status.json} (conditional write), resume after the rounds already stored, and
 * after every round check ownership, store image and checkpoint, update {@code status.json}
 * (conditional) and publish the {@code round} event; throttled {@code progress} events; a final
 * state and event. Returns what to do with the Kafka record; never throws for a job's own failure.
 * Transient S3 and model-store failures are retried with backoff and, when they persist, release
 * the job for redelivery instead of failing it.
 */
public final class JobRunner {
    private static final Logger LOG = Logger.getLogger(JobRunner.class);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JobStore store;
    private final EventPublisher events;
    private final ModelRegistry models;
    private final Retry retry;
    private final RunnerSettings settings;
    private final WorkerMetrics metrics;
    private final Clock clock;
    /** Concurrent S3 reads and writes of the job thread (blocking I/O, so virtual threads). */
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();

    public JobRunner(
            JobStore store,
            EventPublisher events,
            ModelRegistry models,
            Retry retry,
            RunnerSettings settings,
            WorkerMetrics metrics,
            Clock clock) {
        this.store = store;
        this.events = events;
        this.models = models;
        this.retry = retry.retryOn(TransientException.class::isInstance);
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Runs the delivered request; {@code control} carries shutdown and lock-loss signals in. */
    public Disposition run(Delivery delivery, JobControl control) {
        JobRequest request;
        try {
            request = ContractJson.readRequest(delivery.value());
        } catch (ContractException e) {
            return poison(delivery, e.reason().name(), e.getMessage(), control);
        }
        metrics.busy(true);
        try {
            return new Job(request, delivery, control).run();
        } finally {
            metrics.busy(false);
        }
    }

    /**
     * A request that cannot be read goes to the dead-letter topic; if its job id is readable and the
     * job exists and is not final, the job is failed first so its client does not wait forever.
     */
    private Disposition poison(Delivery delivery, String reason, String message, JobControl control) {
        String jobId = readableJobId(delivery);
        LOG.warnf("request %s is unreadable (%s): %s", jobId == null ? "without a job id" : jobId, reason, message);
        if (jobId != null) {
            try {
                failUnreadable(jobId, delivery.deliveryCount(), "the request could not be read: " + message, control);
            } catch (RuntimeException e) {
                LOG.warnf("job %s: could not record the failure (%s); dead-lettering anyway", jobId, e.toString());
            }
        }
        return new Disposition.DeadLetter(reason, message);
    }

    private void failUnreadable(String jobId, int deliveryCount, String error, JobControl control) {
        Optional<byte[]> stored =
                retry.call("read request of " + jobId, () -> store.request(jobId), control::abandoned);
        if (stored.isEmpty()) {
            return;
        }
        Optional<Versioned<JobStatus>> current =
                retry.call("read status of " + jobId, () -> store.status(jobId), control::abandoned);
        if (current.isPresent() && current.get().value().state().isFinal()) {
            return;
        }
        int rounds = 0;
        int iters = 0;
        try {
            JobRequest request = ContractJson.readRequest(stored.get());
            rounds = request.options().rounds();
            iters = request.options().iters();
        } catch (ContractException e) {
            // request.json is as unreadable as the message: the status records no sizes.
        }
        Instant now = clock.instant();
        String attempt = newAttempt();
        JobStatus failed = JobStatus.started(
                        jobId, settings.workerId(), attempt, deliveryCount, rounds, iters, 0, null, now)
                .finished(JobState.FAILED, error, now);
        try {
            retry.call(
                    "write status of " + jobId,
                    () -> store.putStatus(failed, current.map(Versioned::etag).orElse(null)),
                    control::abandoned);
        } catch (PreconditionFailedException e) {
            return;
        }
        events.publish(
                JobEvent.finished(EventType.FAILED, jobId, now, settings.workerId(), attempt, 0, error, null), true);
    }

    private static String readableJobId(Delivery delivery) {
        try {
            String id = ContractJson.mapper()
                    .readTree(delivery.value())
                    .path("jobId")
                    .asText(null);
            if (JobIds.isValid(id)) {
                return id;
            }
        } catch (Exception e) {
            // Not JSON at all: fall back to the record key.
        }
        return JobIds.isValid(delivery.key()) ? delivery.key() : null;
    }

    private static String newAttempt() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Why a run stopped before its last round. */
    private enum Stop {
        CANCELED,
        DELETED,
        TIME_LIMIT,
        DEADLINE,
        SHUTDOWN,
        LOCK_LOST
    }

    /** Another attempt owns the job now (or it was deleted): stop without writing. */
    private static final class OwnershipLost extends RuntimeException {
        OwnershipLost(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown from {@code onRound} to end a run after a stored round (drain or lock lost). */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** One delivery's run: the state a run needs between the engine's callbacks. */
    private final class Job implements DreamListener {
        private final JobRequest request;
        private final Delivery delivery;
        private final JobControl control;
        private final String id;
        private final JobOptions options;
        private final String format;
        private final long cancelCheckNanos;
        private final long progressNanos;
        private String attempt;
        private JobStatus status;
        private String etag;
        private Stop stop;
        private long limitNanos;
        private long lastCancelCheck;
        private boolean cancelChecked;
        private long lastProgress;
        private boolean progressSent;
        private final long deliveredNanos = System.nanoTime();
        private boolean prepared;

        Job(JobRequest request, Delivery delivery, JobControl control) {
            this.request = request;
            this.delivery = delivery;
            this.control = control;
            this.id = request.jobId();
            this.options = request.options();
            this.format = options.imageFormat().extension();
            this.cancelCheckNanos = settings.cancelCheckInterval().toNanos();
            this.progressNanos = settings.progressInterval().toNanos();
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
            }
        }

        private Disposition takeOverAndRun() {
            long began = System.nanoTime();
            // Everything the take-over and the run read, at once: one round trip instead of five.
            CompletableFuture<Optional<byte[]>> stored = async("read request", () -> store.request(id));
            CompletableFuture<Optional<Versioned<JobStatus>>> read = async("read status", () -> store.status(id));
            CompletableFuture<Integer> listed = async("list rounds", () -> store.storedRounds(id, format));
            CompletableFuture<Boolean> canceled = async("check cancel marker", () -> store.cancelRequested(id));
            CompletableFuture<Optional<byte[]>> inputBytes = async("read input", () -> store.input(id));
            if (join(stored).isEmpty()) {
                LOG.infof("job %s: request.json is gone (deleted); dropping the message", id);
                return Disposition.accept("deleted");
            }
            Optional<Versioned<JobStatus>> current = join(read);
            if (current.isPresent() && current.get().value().state().isFinal()) {
                LOG.infof(
                        "job %s: already %s; duplicate delivery",
                        id, current.get().value().state().wireName());
                return Disposition.accept("duplicate");
            }

            // Take over: a fresh attempt, conditional on the status this worker read.
            int rounds = options.rounds();
            int done = Math.min(rounds, join(listed));
            Instant now = clock.instant();
            attempt = newAttempt();
            JobStatus started = JobStatus.started(
                    id,
                    settings.workerId(),
                    attempt,
                    delivery.deliveryCount(),
                    rounds,
                    options.iters(),
                    done,
                    details(models.backend()),
                    now);
            try {
                etag = writeStatus(started, current.map(Versioned::etag).orElse(null));
            } catch (OwnershipLost e) {
                LOG.infof("job %s: another worker took it first; releasing", id);
                return Disposition.release("taken");
            }
            status = started;
            limitNanos = began + settings.maxJobDuration().toNanos();
            events.publish(
                    JobEvent.started(id, now, settings.workerId(), attempt, rounds, options.iters(), started.run()),
                    false);
            if (delivery.deliveryCount() <= 1) {
                metrics.queueWait(Duration.between(request.createdAt(), now));
            }
            LOG.infof(
                    "job %s: taken (delivery %d, attempt %s); %d of %d rounds already stored",
                    id, delivery.deliveryCount(), attempt, done, rounds);

            // Outcomes known before dreaming.
            cancelChecked = true;
            lastCancelCheck = System.nanoTime();
            if (join(canceled)) {
                return finish(JobState.CANCELED, null);
            }
            if (request.deadline() != null && now.isAfter(request.deadline())) {
                return finish(
                        JobState.FAILED,
                        "the job's deadline (" + request.deadline() + ") passed before a worker could run it");
            }
            long pixels = (long) request.inputWidth() * request.inputHeight();
            if (pixels > settings.maxPixels()) {
                return finish(
                        JobState.FAILED,
                        "the image is " + request.inputWidth() + "×" + request.inputHeight() + " = " + pixels
                                + " pixels; this service dreams on at most " + settings.maxPixels()
                                + " pixels: submit it again with a smaller maxSide");
            }
            if (done >= rounds) {
                return finish(JobState.SUCCEEDED, null);
            }

            ModelRegistry.Loaded loaded;
            try {
                loaded = models.get(request.model(), request.modelSha256(), control::abandoned);
            } catch (UnknownModelException e) {
                String error = "model " + request.model() + " version " + request.modelSha256()
                        + " is no longer in the model-store; submit the job again to use the current version";
                finish(JobState.FAILED, error);
                return new Disposition.DeadLetter("UNKNOWN_MODEL", e.getMessage());
            }
            Image input = input(join(inputBytes));
            if (input == null) {
                String error = "the input image of this job is missing or unreadable; submit it again";
                finish(JobState.FAILED, error);
                return new Disposition.DeadLetter("MISSING_INPUT", error);
            }
            NightmareOptions engineOptions = options.toEngine();
            List<OptionException> problems =
                    Nightmare.problems(engineOptions, loaded.model().spec(), input.width(), input.height());
            if (!problems.isEmpty()) {
                return finish(JobState.FAILED, problems.getFirst().getMessage());
            }
            return dream(loaded, input, engineOptions, resumePoint(done, input, engineOptions));
        }

        private Disposition dream(
                ModelRegistry.Loaded loaded, Image input, NightmareOptions engineOptions, Checkpoint resume) {
            if (!loaded.backend().name().equals(status.run().backend())) {
                status = withRun(status, details(loaded.backend()));
            }
            try {
                new Nightmare(loaded.session()).run(input, engineOptions, resume, this);
                return finish(JobState.SUCCEEDED, null);
            } catch (CancelledException | Stopped e) {
                return stopped();
            } catch (NonFiniteImageException e) {
                return finish(
                        JobState.FAILED,
                        "the dream diverged (" + e.getMessage() + "); try a lower rate or a higher thresh");
            } catch (OptionException e) {
                return finish(JobState.FAILED, e.getMessage());
            } catch (OwnershipLost | TransientException e) {
                throw e;
            } catch (OutOfDeviceMemoryException e) {
                return outOfMemory(loaded, input, engineOptions, e);
            } catch (Exception e) {
                return unexpected(e);
            }
        }

        private Disposition stopped() {
            Stop why = stop == null ? Stop.SHUTDOWN : stop;
            return switch (why) {
                case CANCELED -> finish(JobState.CANCELED, null);
                case DELETED -> throw new OwnershipLost("the job was deleted");
                case TIME_LIMIT ->
                    finish(
                            JobState.FAILED,
                            "the job ran longer than this service's limit of " + inWords(settings.maxJobDuration())
                                    + "; " + status.roundsDone() + " of " + status.rounds() + " rounds are stored");
                case DEADLINE ->
                    finish(
                            JobState.FAILED,
                            "the job's deadline (" + request.deadline() + ") passed; " + status.roundsDone() + " of "
                                    + status.rounds() + " rounds are stored");
                case SHUTDOWN -> {
                    LOG.infof(
                            "job %s: released for redelivery at shutdown after %d stored rounds",
                            id, status.roundsDone());
                    yield Disposition.release("shutdown");
                }
                case LOCK_LOST -> {
                    LOG.warnf("job %s: the Kafka lock was lost; stopping without further writes", id);
                    yield Disposition.release("lock-lost");
                }
            };
        }

        private Disposition outOfMemory(
                ModelRegistry.Loaded loaded, Image input, NightmareOptions engineOptions, Exception e) {
            String what = rootMessage(e);
            if (settings.gpuOutOfMemoryToCpu() && loaded.backend() == models.backend()) {
                LOG.warnf("job %s: GPU out of memory (%s); continuing on the CPU backend", id, what);
                ModelRegistry.Loaded cpu = models.onCpu(request.model(), request.modelSha256(), control::abandoned);
                return dream(cpu, input, engineOptions, resumePoint(status.roundsDone(), input, engineOptions));
            }
            return finish(
                    JobState.FAILED,
                    "the image does not fit in this worker's GPU memory (" + what
                            + "); submit it again with a smaller maxSide");
        }

        private Disposition unexpected(Exception e) {
            LOG.errorf(e, "job %s: failed unexpectedly on delivery %d", id, delivery.deliveryCount());
            if (delivery.deliveryCount() >= settings.deliveryLimit()) {
                String error =
                        "the worker failed on this job " + delivery.deliveryCount() + " times: " + rootMessage(e);
                finish(JobState.FAILED, error);
                return new Disposition.DeadLetter("PROCESSING_FAILED", error);
            }
            return Disposition.release("error");
        }

        /** The checkpoint after {@code done} rounds, or null to start at round 0 (also when it is unusable). */
        private Checkpoint resumePoint(int done, Image input, NightmareOptions engineOptions) {
            if (done <= 0) {
                return null;
            }
            int round = done - 1;
            Optional<byte[]> bytes = call("read checkpoint", () -> store.checkpoint(id, round));
            try {
                Checkpoint checkpoint = bytes.map(b -> Checkpoint.fromFloatImage(
                                round, FloatImageFile.decode(b, "checkpoint of round " + round)))
                        .orElse(null);
                boolean fits = checkpoint != null
                        && (engineOptions.reconstruct()
                                ? checkpoint.momentum() != null
                                : checkpoint.momentum() == null
                                        && checkpoint.image().width() == input.width()
                                        && checkpoint.image().height() == input.height());
                if (fits) {
                    return checkpoint;
                }
            } catch (RuntimeException e) {
                LOG.warnf("job %s: checkpoint of round %d is unreadable: %s", id, round, e.getMessage());
            }
            LOG.warnf("job %s: no usable checkpoint of round %d; starting again from round 0", id, round);
            return null;
        }

        private Image input(Optional<byte[]> bytes) {
            if (bytes.isEmpty()) {
                return null;
            }
            try {
                return ImageCodec.decode(bytes.get(), "input.png", settings.maxPixels());
            } catch (ImageException e) {
                LOG.warnf("job %s: input.png is unreadable: %s", id, e.getMessage());
                return null;
            }
        }

        // --- DreamListener: called on this thread by the engine.

        @Override
        public boolean cancelled() {
            if (!prepared) {
                prepared = true;
                metrics.prepared(System.nanoTime() - deliveredNanos);
            }
            if (control.isLockLost()) {
                stop = Stop.LOCK_LOST;
                return true;
            }
            if (control.abandoned()) {
                stop = Stop.SHUTDOWN;
                return true;
            }
            long now = System.nanoTime();
            if (now - limitNanos > 0) {
                stop = Stop.TIME_LIMIT;
                return true;
            }
            if (request.deadline() != null && clock.instant().isAfter(request.deadline())) {
                stop = Stop.DEADLINE;
                return true;
            }
            if (!cancelChecked || now - lastCancelCheck >= cancelCheckNanos) {
                cancelChecked = true;
                lastCancelCheck = now;
                try {
                    if (store.cancelRequested(id)) {
                        stop = Stop.CANCELED;
                        return true;
                    }
                    // DELETE removes the marker with everything else; a worker that missed it in
                    // its brief life stops now rather than computing to the round's end.
                    if (!store.exists(id)) {
                        stop = Stop.DELETED;
                        return true;
                    }
                } catch (TransientException e) {
                    LOG.debugf("job %s: cancel marker not checked: %s", id, e.getMessage());
                }
            }
            return false;
        }

        @Override
        public void onIteration(int round, int iteration, IterationDraws draws) {
            metrics.iteration();
            long now = System.nanoTime();
            if (!progressSent || now - lastProgress >= progressNanos) {
                progressSent = true;
                lastProgress = now;
                events.publish(
                        JobEvent.progress(
                                id,
                                clock.instant(),
                                settings.workerId(),
                                attempt,
                                round,
                                iteration,
                                options.rounds(),
                                options.iters()),
                        false);
            }
        }

        @Override
        public void onRound(RoundResult result) {
            long computed = System.nanoTime();
            if (control.isLockLost()) {
                stop = Stop.LOCK_LOST;
                throw new Stopped();
            }
            int round = result.round();
            // Rule 2's ownership check runs while this thread encodes the round.
            CompletableFuture<Void> owner = CompletableFuture.runAsync(this::checkOwner, io);
            byte[] image = ImageCodec.encode(result.checkpoint().image(), options.imageFormat());
            byte[] checkpoint = FloatImageFile.encode(result.checkpoint().toFloatImage());
            join(owner);
            call("store round " + round, () -> {
                store.putRound(id, round, format, image, checkpoint);
                return null;
            });
            long computeMillis = Duration.ofNanos(result.computeNanos()).toMillis();
            Instant now = clock.instant();
            JobStatus next = status.afterRound(round, computeMillis, now);
            etag = writeStatus(next, etag);
            status = next;
            events.publish(
                    JobEvent.round(
                            id,
                            now,
                            settings.workerId(),
                            attempt,
                            round,
                            options.rounds(),
                            options.iters(),
                            JobKeys.roundImage(id, round, format),
                            JobKeys.roundCheckpoint(id, round)),
                    false);
            metrics.round(result.computeNanos(), options.iters(), System.nanoTime() - computed);
            // On the job's thread, where a GPU backend's context is current.
            models.backend().deviceMemory().ifPresent(metrics::deviceMemory);
            LOG.debugf("job %s: round %d stored (%d ms compute)", id, round, computeMillis);
            if (control.draining() && round + 1 < options.rounds()) {
                stop = Stop.SHUTDOWN;
                throw new Stopped();
            }
        }

        // --- Writes under the ownership rules.

        private Disposition finish(JobState state, String error) {
            if (control.isLockLost()) {
                LOG.warnf("job %s: lock lost before recording %s; the next owner will", id, state.wireName());
                return Disposition.release("lock-lost");
            }
            checkOwner();
            Instant now = clock.instant();
            JobStatus done = status.finished(state, error, now);
            etag = writeStatus(done, etag);
            status = done;
            EventType type = switch (state) {
                case SUCCEEDED -> EventType.SUCCEEDED;
                case CANCELED -> EventType.CANCELED;
                default -> EventType.FAILED;
            };
            events.publish(
                    JobEvent.finished(
                            type, id, now, settings.workerId(), attempt, done.roundsDone(), error, done.run()),
                    true);
            if (error == null) {
                LOG.infof("job %s: %s after %d rounds", id, state.wireName(), done.roundsDone());
            } else {
                LOG.infof("job %s: %s: %s", id, state.wireName(), error);
            }
            return Disposition.accept(state.wireName());
        }

        /** Rule 2: the stored status must still name this attempt. */
        private void checkOwner() {
            Optional<Versioned<JobStatus>> stored = call("read status", () -> store.status(id));
            if (stored.isEmpty()) {
                throw new OwnershipLost("status.json is gone (the job was deleted)");
            }
            if (!status.sameOwner(stored.get().value())) {
                throw new OwnershipLost("attempt " + stored.get().value().attempt() + " of "
                        + stored.get().value().workerId() + " owns the job now");
            }
        }

        /**
         * A conditional status write, retried on transient failures. A 412 on a retry may be this
         * worker's own earlier write whose answer was lost: if the stored status is exactly what was
         * written, that write succeeded.
         */
        private String writeStatus(JobStatus next, String expectedEtag) {
            int[] attempts = {0};
            try {
                return call("write status", () -> {
                    attempts[0]++;
                    try {
                        return store.putStatus(next, expectedEtag);
                    } catch (PreconditionFailedException e) {
                        if (attempts[0] > 1) {
                            Optional<Versioned<JobStatus>> stored = store.status(id);
                            if (stored.isPresent() && stored.get().value().equals(next)) {
                                return stored.get().etag();
                            }
                        }
                        throw e;
                    }
                });
            } catch (PreconditionFailedException e) {
                throw new OwnershipLost("status.json changed under this attempt (412)");
            }
        }

        private <T> T call(String what, Supplier<T> operation) {
            return retry.call("job " + id + ": " + what, operation::get, control::abandoned);
        }

        private <T> CompletableFuture<T> async(String what, Supplier<T> operation) {
            return CompletableFuture.supplyAsync(() -> call(what, operation), io);
        }

        private RunDetails details(Backend backend) {
            return new RunDetails(
                    EngineVersion.get(),
                    backend.name(),
                    backend.device(),
                    options.rng(),
                    options.seed(),
                    options.model(),
                    request.modelSha256());
        }
    }

    /** The future's value; its failure rethrown as it was thrown (not wrapped). */
    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private static JobStatus withRun(JobStatus s, RunDetails run) {
        return new JobStatus(
                s.schemaVersion(),
                s.jobId(),
                s.state(),
                s.workerId(),
                s.attempt(),
                s.deliveryCount(),
                s.rounds(),
                s.iters(),
                s.roundsDone(),
                s.round(),
                s.iteration(),
                run,
                s.error(),
                s.startedAt(),
                s.updatedAt(),
                s.finishedAt(),
                s.lastRoundMillis());
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
