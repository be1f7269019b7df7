package dev.nightmare.worker.service;

import dev.nightmare.engine.dream.Checkpoint;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.ImageCodec;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * One round's image and float checkpoint, encoded as streams into temporary files for the upload
 * to stream from: a poster's round passes through the worker without a second copy of it in the
 * heap (the encoded image and the 12-bytes-a-pixel checkpoint would each be one), and a retried
 * upload reads the files again instead of encoding again. Closing deletes them.
 */
final class RoundFiles implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RoundFiles.class);

    private final Path image;
    private final Path checkpoint;

    private RoundFiles(Path image, Path checkpoint) {
        this.image = image;
        this.checkpoint = checkpoint;
    }

    /**
     * Encodes the round into two new files in {@code dir} (the worker's: {@link ScratchDir#current()}).
     *
     * @throws TransientException when the files cannot be written (a full or missing scratch disk:
     *     the operator's to mend, the job's to wait for)
     */
    static RoundFiles write(
            Path dir, String jobId, Checkpoint round, ImageCodec.Format format, Map<String, String> text) {
        Path image = null;
        Path checkpoint = null;
        try {
            String prefix = "nightmare-" + jobId + "-round-" + round.round() + "-";
            // Made again if something cleared the temporary directory while the worker ran.
            Files.createDirectories(dir);
            image = Files.createTempFile(dir, prefix, "." + format.extension());
            checkpoint = Files.createTempFile(dir, prefix, ".f32");
            try (OutputStream out = buffered(image)) {
                ImageCodec.encode(round.image(), format, text, out);
            }
            try (OutputStream out = buffered(checkpoint)) {
                FloatImageFile.write(round.toFloatImage(), out);
            }
            return new RoundFiles(image, checkpoint);
        } catch (IOException e) {
            deleteQuietly(image);
            deleteQuietly(checkpoint);
            // The message may reach the job's status: the file's path stays in the worker's log.
            LOG.warnf("job %s: round %d not written to the scratch disk: %s", jobId, round.round(), e);
            throw new TransientException(
                    "round " + round.round() + " could not be written to the worker's scratch disk ("
                            + e.getClass().getSimpleName() + ")",
                    e);
        }
    }

    Path image() {
        return image;
    }

    Path checkpoint() {
        return checkpoint;
    }

    @Override
    public void close() {
        deleteQuietly(image);
        deleteQuietly(checkpoint);
    }

    private static OutputStream buffered(Path file) throws IOException {
        return new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover temporary file is the disk's to lose, not the round's.
        }
    }
}
