package dev.nightmare.worker.service;

import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.Recipe;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.dream.DreamListener;
import dev.nightmare.engine.dream.RoundResult;
import dev.nightmare.engine.random.IterationDraws;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Hears one job's run on the job thread: before every iteration it decides whether the run must
 * stop (lock lost, shutdown, time limit, deadline, and — throttled — the cancel marker and the
 * job's existence); after iterations it publishes throttled {@code progress} events; after every
 * round it stores the round under the ownership rules and publishes the {@code round} event. It
 * never throws through the engine: a reason to stop is recorded ({@link #stop()}) and the next
 * {@link #cancelled()} says so, which ends the run with the engine's own cancellation.
 */
final class JobListener implements DreamListener {
    private static final Logger LOG = Logger.getLogger(JobListener.class);

    private final JobRequest request;
    private final JobOptions options;
    private final String id;
    private final OwnedStatus owned;
    private final AttemptEvents events;
    private final JobIo io;
    private final JobServices services;
    private final JobControl control;
    private final Backend device;
    private final long limitNanos;
    private final long deliveredNanos;
    private final Throttle cancelChecks;
    private final Throttle progress;
    private boolean prepared;
    private StopReason stop;

    /**
     * @param device the backend whose device memory is sampled after each round
     * @param limitNanos the {@code System.nanoTime()} after which the job is over its time limit
     * @param deliveredNanos when the delivery arrived, for the preparation metric
     */
    JobListener(
            JobRequest request,
            OwnedStatus owned,
            AttemptEvents events,
            JobIo io,
            JobServices services,
            JobControl control,
            Backend device,
            long limitNanos,
            long deliveredNanos) {
        this.request = request;
        this.options = request.options();
        this.id = request.jobId();
        this.owned = owned;
        this.events = events;
        this.io = io;
        this.services = services;
        this.control = control;
        this.device = device;
        this.limitNanos = limitNanos;
        this.deliveredNanos = deliveredNanos;
        this.cancelChecks = new Throttle(services.settings().cancelCheckInterval());
        this.progress = new Throttle(services.settings().progressInterval());
    }

    /** Why the run should stop, once there is a reason. */
    Optional<StopReason> stop() {
        return Optional.ofNullable(stop);
    }

    /** The cancel marker was found before the run began: the checks start over from now. */
    void cancelMarkerChecked() {
        cancelChecks.due(System.nanoTime());
    }

    @Override
    public boolean cancelled() {
        if (!prepared) {
            prepared = true;
            services.metrics().prepared(System.nanoTime() - deliveredNanos);
        }
        if (stop == null) {
            stop = reasonToStop();
        }
        return stop != null;
    }

    private StopReason reasonToStop() {
        if (control.isLockLost()) {
            return StopReason.of(StopReason.Kind.LOCK_LOST);
        }
        if (control.abandoned()) {
            return StopReason.of(StopReason.Kind.SHUTDOWN);
        }
        long now = System.nanoTime();
        if (now - limitNanos > 0) {
            return StopReason.of(StopReason.Kind.TIME_LIMIT);
        }
        if (request.deadline() != null && services.clock().instant().isAfter(request.deadline())) {
            return StopReason.of(StopReason.Kind.DEADLINE);
        }
        if (cancelChecks.due(now)) {
            try {
                if (services.store().cancelRequested(id)) {
                    return StopReason.of(StopReason.Kind.CANCELED);
                }
                // DELETE removes the marker with everything else; a worker that missed it in
                // its brief life stops now rather than computing to the round's end.
                if (!services.store().exists(id)) {
                    return StopReason.of(StopReason.Kind.DELETED);
                }
            } catch (TransientException e) {
                LOG.debugf("job %s: cancel marker not checked: %s", id, e.getMessage());
            }
        }
        return null;
    }

    @Override
    public void onIteration(int round, int iteration, IterationDraws draws) {
        services.metrics().iteration();
        if (progress.due(System.nanoTime())) {
            events.progress(round, iteration);
        }
    }

    @Override
    public void onRound(RoundResult result) {
        if (stop != null) {
            return;
        }
        if (control.isLockLost()) {
            stop = StopReason.of(StopReason.Kind.LOCK_LOST);
            return;
        }
        try {
            store(result);
        } catch (OwnershipLost e) {
            stop = new StopReason(StopReason.Kind.OWNERSHIP_LOST, e.getMessage());
            return;
        } catch (TransientException e) {
            stop = new StopReason(StopReason.Kind.UNAVAILABLE, e.getMessage());
            return;
        }
        if (control.draining() && result.round() + 1 < options.rounds()) {
            stop = StopReason.of(StopReason.Kind.SHUTDOWN);
        }
    }

    /** Rule 2: check ownership, store image and checkpoint, write the status, then announce the round. */
    private void store(RoundResult result) {
        long computed = System.nanoTime();
        int round = result.round();
        String format = options.imageFormat().extension();
        // The ownership check runs while this thread encodes the round.
        CompletableFuture<Void> owner = io.async("check owner", () -> {
            owned.checkOwner();
            return null;
        });
        try (RoundFiles files = RoundFiles.write(
                ScratchDir.current(),
                id,
                result.checkpoint(),
                options.imageFormat(),
                Recipe.of(request, owned.current().run(), round).imageText())) {
            JobIo.join(owner);
            io.run(
                    "store round " + round,
                    () -> services.store().putRound(id, round, format, files.image(), files.checkpoint()));
        }
        long computeMillis = Duration.ofNanos(result.computeNanos()).toMillis();
        Instant now = services.clock().instant();
        owned.roundStored(round, computeMillis, now);
        events.round(round, now);
        services.metrics().round(result.computeNanos(), options.iters(), System.nanoTime() - computed);
        // On the job's thread, where a GPU backend's context is current.
        device.deviceMemory().ifPresent(services.metrics()::deviceMemory);
        LOG.debugf("job %s: round %d stored (%d ms compute)", id, round, computeMillis);
    }
}
