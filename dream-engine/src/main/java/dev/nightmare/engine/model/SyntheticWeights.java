package dev.nightmare.engine.model;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic darknet weights for any supported cfg (shared/spec/SYNTHETIC_WEIGHTS.md): one
 * SplitMix64 stream, 24-bit uniforms, He-uniform kernels, small biases and plausible batch-norm
 * statistics, written in darknet's layout with a version 0.2.0 header.
 */
public final class SyntheticWeights {
    /** The seed the golden cases were made with. */
    public static final long DEFAULT_SEED = 20261126L;

    private SyntheticWeights() {}

    /** SplitMix64 (Steele, Lea, Flood 2014) as the spec defines it. */
    public static final class SplitMix64 {
        private long state;

        public SplitMix64(long seed) {
            this.state = seed;
        }

        public long next() {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** A double in [0,1) with 24 random bits. */
        public double uniform() {
            return (next() >>> 40) * 0x1.0p-24;
        }
    }

    /** Writes the file atomically (a temporary sibling, then a move). */
    public static void write(NetworkSpec spec, long seed, Path out) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, out.getFileName().toString(), ".tmp");
        try {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                write(spec, seed, os);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Whether {@code weightsSha256} (hex) names exactly the file {@link #write} makes for {@code
     * spec} with the spec's seed: the weights are the synthetic stand-ins, not trained ones.
     * Generates the stream into a digest (under a second for vgg-conv); the caller checks the
     * length first.
     */
    public static boolean isSynthetic(NetworkSpec spec, String weightsSha256) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new BufferedOutputStream(
                    new DigestOutputStream(OutputStream.nullOutputStream(), digest), 1 << 16)) {
                write(spec, DEFAULT_SEED, out);
            }
            return HexFormat.of().formatHex(digest.digest()).equalsIgnoreCase(weightsSha256);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 of synthetic weights", e);
        }
    }

    /** The length of the synthetic file for {@code spec}. */
    public static long bytes(NetworkSpec spec) {
        return 20 + 4 * spec.weightFloats();
    }

    public static void write(NetworkSpec spec, long seed, OutputStream out) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0).putInt(2).putInt(0).putLong(0);
        out.write(header.array());
        SplitMix64 rng = new SplitMix64(seed);
        FloatWriter floats = new FloatWriter(out);
        for (int i = 0; i < spec.size(); i++) {
            if (!(spec.layer(i) instanceof ConvolutionalSpec conv)) {
                continue;
            }
            int n = conv.filters();
            int c = spec.inputChannels(i);
            int k = conv.size();
            for (int f = 0; f < n; f++) {
                floats.put((float) ((2 * rng.uniform() - 1) * 0.01));
            }
            if (conv.batchNormalize()) {
                for (int f = 0; f < n; f++) {
                    floats.put((float) (1 + (2 * rng.uniform() - 1) * 0.1));
                }
                for (int f = 0; f < n; f++) {
                    floats.put((float) ((2 * rng.uniform() - 1) * 0.1));
                }
                for (int f = 0; f < n; f++) {
                    floats.put((float) (1 + rng.uniform() * 0.5));
                }
            }
            double limit = Math.sqrt(6.0 / (c * k * k));
            long count = conv.kernelWeights(c);
            for (long j = 0; j < count; j++) {
                floats.put((float) ((2 * rng.uniform() - 1) * limit));
            }
        }
        floats.flush();
    }

    private static final class FloatWriter {
        private final OutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        FloatWriter(OutputStream out) {
            this.out = out;
        }

        void put(float v) throws IOException {
            if (!buffer.hasRemaining()) {
                flush();
            }
            buffer.putFloat(v);
        }

        void flush() throws IOException {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
    }
}
