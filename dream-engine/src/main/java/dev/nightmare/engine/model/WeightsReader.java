package dev.nightmare.engine.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads darknet weights (darknet {@code load_weights}): a header of int32 major, minor, revision
 * and {@code seen} (uint64 when major·10+minor ≥ 2 and both &lt; 1000, else int32), then per
 * convolutional layer in cfg order: biases, [scales, rolling mean, rolling variance], kernels.
 * Unlike darknet, the file length must match the cfg exactly; it is checked before anything large
 * is allocated.
 */
public final class WeightsReader {
    private WeightsReader() {}

    /** Header size for the version fields read from the first 12 bytes. */
    public static int headerBytes(int major, int minor) {
        boolean wideSeen = (major * 10 + minor) >= 2 && major < 1000 && minor < 1000;
        return 12 + (wideSeen ? 8 : 4);
    }

    /** Expected file length for {@code spec}, given the header's version. */
    public static long expectedBytes(NetworkSpec spec, int major, int minor) {
        return headerBytes(major, minor) + 4 * spec.weightFloats();
    }

    public static List<ConvolutionalWeights> read(NetworkSpec spec, Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = channel.size();
            ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            while (header.hasRemaining() && channel.read(header) >= 0) {}
            if (header.hasRemaining()) {
                throw new WeightsException(
                        file + " is " + length + " bytes: too short for a darknet weights header (at least 16)");
            }
            int major = header.getInt(0);
            int minor = header.getInt(4);
            long expected = expectedBytes(spec, major, minor);
            if (length != expected) {
                throw new WeightsException(file + " is " + length + " bytes but " + spec.source() + " needs " + expected
                        + " (" + headerBytes(major, minor) + "-byte header + " + spec.weightFloats() + " floats): "
                        + (length < expected ? "truncated" : "too long") + " or for another cfg");
            }
            channel.position(headerBytes(major, minor));
            ByteBuffer body = ByteBuffer.allocate(Math.toIntExact(4 * Math.min(spec.weightFloats(), 1 << 24)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            return readLayers(spec, new ChunkedFloats(channel, body));
        }
    }

    private static List<ConvolutionalWeights> readLayers(NetworkSpec spec, ChunkedFloats in) throws IOException {
        List<ConvolutionalWeights> weights = new ArrayList<>();
        for (int i = 0; i < spec.size(); i++) {
            if (spec.layer(i) instanceof ConvolutionalSpec conv) {
                int n = conv.filters();
                float[] biases = in.next(n);
                float[] scales = null, mean = null, variance = null;
                if (conv.batchNormalize()) {
                    scales = in.next(n);
                    mean = in.next(n);
                    variance = in.next(n);
                }
                float[] kernels = in.next(Math.toIntExact(conv.kernelWeights(spec.inputChannels(i))));
                weights.add(new ConvolutionalWeights(biases, scales, mean, variance, kernels));
            } else {
                weights.add(null);
            }
        }
        return weights;
    }

    /** Reads floats through a bounded buffer so a 75 MB file needs no 75 MB staging copy. */
    private static final class ChunkedFloats {
        private final FileChannel channel;
        private final ByteBuffer buffer;

        ChunkedFloats(FileChannel channel, ByteBuffer buffer) {
            this.channel = channel;
            this.buffer = buffer;
            buffer.limit(0);
        }

        float[] next(int count) throws IOException {
            float[] out = new float[count];
            int done = 0;
            while (done < count) {
                if (buffer.remaining() < 4) {
                    buffer.compact();
                    if (channel.read(buffer) < 0) {
                        throw new WeightsException("weights file ended early");
                    }
                    buffer.flip();
                    continue;
                }
                FloatBuffer floats = buffer.asFloatBuffer();
                int take = Math.min(count - done, floats.remaining());
                floats.get(out, done, take);
                buffer.position(buffer.position() + 4 * take);
                done += take;
            }
            return out;
        }
    }
}
