package dev.nightmare.worker.service;

import dev.nightmare.contracts.AnimateOptions;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.video.Animation;
import dev.nightmare.video.Animator;
import dev.nightmare.video.Frame;
import dev.nightmare.video.Motion;
import dev.nightmare.video.VideoFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * The video of a job that asked for one ({@code options.animate}), made once every round is
 * stored: the stored round images are read back one at a time (the next one fetched while this one
 * is encoded), encoded to a local temporary file, and uploaded to {@link JobKeys#video} after the
 * ownership check (rule 2), before the job's final status. Made from the stored rounds, it is the
 * same video however often the job was interrupted and resumed, and memory does not grow with the
 * rounds. Between rounds it stops for what stops a run (lock lost, shutdown, time limit, deadline,
 * the cancel marker, a deletion); a redelivery makes the video again from the start.
 */
final class VideoStage {
    private static final Logger LOG = Logger.getLogger(VideoStage.class);

    /** How the stage ended. */
    sealed interface Outcome {}

    /** The video is stored at {@code key}. */
    record Stored(String key) implements Outcome {}

    /** Stopped between rounds; the runner maps the reason as it maps a run's. */
    record Stopped(StopReason why) implements Outcome {}

    /** The video cannot be made; {@code error} says why in a user's words. */
    record Failed(String error) implements Outcome {}

    private final JobRequest request;
    private final String id;
    private final OwnedStatus owned;
    private final JobIo io;
    private final JobServices services;
    private final JobControl control;
    private final long limitNanos;
    private final Throttle cancelChecks;

    /** @param limitNanos the {@code System.nanoTime()} after which the job is over its time limit */
    VideoStage(
            JobRequest request,
            OwnedStatus owned,
            JobIo io,
            JobServices services,
            JobControl control,
            long limitNanos) {
        this.request = request;
        this.id = request.jobId();
        this.owned = owned;
        this.io = io;
        this.services = services;
        this.control = control;
        this.limitNanos = limitNanos;
        this.cancelChecks = new Throttle(services.settings().cancelCheckInterval());
    }

    /** The encoder's settings for a job's (resolved) animate options. */
    static Animation animation(AnimateOptions animate) {
        return new Animation(VideoFormat.fromName(animate.format()), animate.fps(), animate.interpolate());
    }

    Outcome make() {
        JobOptions options = request.options();
        Animation animation;
        try {
            animation = animation(options.animate());
        } catch (IllegalArgumentException e) {
            return new Failed("the video cannot be made: " + e.getMessage());
        }
        String format = animation.format().extension();
        String images = options.imageFormat().extension();
        int rounds = options.rounds();
        long started = System.nanoTime();
        Path file;
        try {
            file = Files.createTempFile(
                    Files.createDirectories(ScratchDir.current()), "nightmare-" + id + "-", "." + format);
        } catch (IOException e) {
            // The exception's message names the file: that stays in the worker's log.
            LOG.warnf("job %s: no file for the video: %s", id, e);
            return new Failed("the video could not be made: no room for it on the worker ("
                    + e.getClass().getSimpleName() + ")");
        }
        Animator animator = null;
        try {
            Motion motion = new Motion(options.zoom(), options.rotate());
            animator = Animator.open(file, animation, motion);
            CompletableFuture<Optional<byte[]>> next = read(0, images);
            for (int round = 0; round < rounds; round++) {
                Optional<StopReason> stop = reasonToStop();
                if (stop.isPresent()) {
                    next.cancel(false);
                    return new Stopped(stop.get());
                }
                Optional<byte[]> bytes = JobIo.join(next);
                if (bytes.isEmpty()) {
                    return missing(round);
                }
                next = round + 1 < rounds ? read(round + 1, images) : null;
                animator.round(Frame.decode(bytes.get(), "round " + round + " of job " + id));
            }
            Animator finished = animator;
            animator = null;
            finished.close();
            owned.checkOwner();
            io.run("store video", () -> services.store().putVideo(id, format, file));
            LOG.infof(
                    "job %s: video stored (%d frames, %s, %d ms)",
                    id, animation.frames(rounds), format, (System.nanoTime() - started) / 1_000_000);
            return new Stored(JobKeys.video(id, format));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warnf("job %s: the video could not be made: %s", id, e.getMessage());
            return new Failed(
                    "the video could not be made (" + e.getMessage() + "); the " + rounds + " rounds are stored");
        } finally {
            if (animator != null) {
                abandon(animator);
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warnf("job %s: the temporary video %s was not removed: %s", id, file, e.getMessage());
            }
        }
    }

    /** Closes a video that will not be stored (its file is removed by the caller). */
    private void abandon(Animator animator) {
        try {
            animator.close();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("job %s: the abandoned video did not close cleanly: %s", id, e.getMessage());
        }
    }

    private CompletableFuture<Optional<byte[]>> read(int round, String images) {
        return io.async("read round " + round, () -> services.store().roundImage(id, round, images));
    }

    /** A stored round gone: the job was deleted meanwhile, or the store lost it. */
    private Outcome missing(int round) {
        if (!io.call("check the job exists", () -> services.store().exists(id))) {
            return new Stopped(StopReason.of(StopReason.Kind.DELETED));
        }
        return new Failed("round " + round + "'s image is missing from the store, so the video cannot be made");
    }

    private Optional<StopReason> reasonToStop() {
        if (control.isLockLost()) {
            return Optional.of(StopReason.of(StopReason.Kind.LOCK_LOST));
        }
        if (control.draining()) {
            return Optional.of(StopReason.of(StopReason.Kind.SHUTDOWN));
        }
        long now = System.nanoTime();
        if (now - limitNanos > 0) {
            return Optional.of(StopReason.of(StopReason.Kind.TIME_LIMIT));
        }
        if (request.deadline() != null && services.clock().instant().isAfter(request.deadline())) {
            return Optional.of(StopReason.of(StopReason.Kind.DEADLINE));
        }
        if (cancelChecks.due(now)) {
            try {
                if (services.store().cancelRequested(id)) {
                    return Optional.of(StopReason.of(StopReason.Kind.CANCELED));
                }
                if (!services.store().exists(id)) {
                    return Optional.of(StopReason.of(StopReason.Kind.DELETED));
                }
            } catch (TransientException e) {
                LOG.debugf("job %s: cancel marker not checked: %s", id, e.getMessage());
            }
        }
        return Optional.empty();
    }
}
