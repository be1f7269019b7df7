package dev.nightmare.worker.service;

import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * What a run starts from, read from the job's S3 objects: the input image the gateway stored, and
 * the checkpoint of the last stored round to resume after. Unreadable objects are logged and read
 * as absent, so the run fails with a clear message or starts again from round 0.
 */
final class StoredInputs {
    private static final Logger LOG = Logger.getLogger(StoredInputs.class);

    private final String jobId;
    private final JobStore store;
    private final JobIo io;
    private final long maxPixels;

    StoredInputs(String jobId, JobStore store, JobIo io, long maxPixels) {
        this.jobId = jobId;
        this.store = store;
        this.io = io;
        this.maxPixels = maxPixels;
    }

    /** {@code input.png} decoded, or null when it is missing or unreadable. */
    Image input(Optional<byte[]> bytes) {
        if (bytes.isEmpty()) {
            return null;
        }
        try {
            return ImageCodec.decode(bytes.get(), "input.png", maxPixels);
        } catch (ImageException e) {
            LOG.warnf("job %s: input.png is unreadable: %s", jobId, e.getMessage());
            return null;
        }
    }

    /**
     * The checkpoint after {@code done} rounds, or null to start at round 0 (also when it is
     * unusable: unreadable, or not of this run's shape).
     */
    Checkpoint resumePoint(int done, Image input, NightmareOptions options) {
        if (done <= 0) {
            return null;
        }
        int round = done - 1;
        // A dream's checkpoint has the input's size (anything else is refused below); reconstruct
        // mode's, with its momentum, was never tied to it.
        long maxValues = options.reconstruct() ? Long.MAX_VALUE : 3L * input.width() * input.height();
        try {
            Checkpoint checkpoint = io.call("read checkpoint", () -> store.checkpoint(jobId, round, maxValues))
                    .map(stored -> Checkpoint.fromFloatImage(round, stored))
                    .orElse(null);
            boolean fits = checkpoint != null
                    && (options.reconstruct()
                            ? checkpoint.momentum() != null
                            : checkpoint.momentum() == null
                                    && checkpoint.image().width() == input.width()
                                    && checkpoint.image().height() == input.height());
            if (fits) {
                return checkpoint;
            }
        } catch (IllegalArgumentException e) {
            // Malformed (an ImageException) or of another shape; an outage (a TransientException)
            // is not caught here: it is retried.
            LOG.warnf("job %s: checkpoint of round %d is unreadable: %s", jobId, round, e.getMessage());
        }
        LOG.warnf("job %s: no usable checkpoint of round %d; starting again from round 0", jobId, round);
        return null;
    }
}
