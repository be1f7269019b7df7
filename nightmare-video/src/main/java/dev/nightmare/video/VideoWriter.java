package dev.nightmare.video;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes an animation to a file one frame at a time: a frame is encoded when it is written and not
 * kept, so memory does not grow with the number of frames (an MP4 keeps an index of a few bytes a
 * frame, as every MP4 must list its samples). {@link #close()} finishes the file; a writer that
 * failed leaves a file that must not be used.
 */
public interface VideoWriter extends Closeable {
    /** Opens {@code file} (created or replaced) for an animation of this format at {@code fps}. */
    static VideoWriter open(Path file, VideoFormat format, int fps) throws IOException {
        return switch (format) {
            case MP4 -> new Mp4Writer(file, fps);
            case GIF -> new GifWriter(file, fps);
        };
    }

    /** Encodes the next frame; every frame must have the first one's size. */
    void write(Frame frame) throws IOException;

    /** Frames written so far. */
    long frames();

    /** Finishes the file (the MP4 index, the GIF trailer) and closes it. */
    @Override
    void close() throws IOException;
}
