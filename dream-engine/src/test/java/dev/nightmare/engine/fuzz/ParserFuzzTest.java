package dev.nightmare.engine.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageException;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.ShapeException;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.model.WeightsException;
import dev.nightmare.engine.model.WeightsReader;
import dev.nightmare.engine.testing.Shared;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded, budgeted fuzzing of the three parsers that read untrusted bytes: the cfg parser, the
 * weights reader and the image decoder. For every mutated input: only the intended, explained
 * error may escape; no input runs longer than {@link #DEADLINE_MILLIS}; and no input makes the
 * parser allocate in proportion to a size it merely claims (allocation is measured per call).
 * The budget is fixed ({@code -Dnightmare.fuzz.executions}, default 2000 per parser) so CI time is
 * bounded; a larger number runs the same generator longer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParserFuzzTest {
    private static final long SEED = 20261126L;
    private static final long DEADLINE_MILLIS = 5_000;
    private static final int EXECUTIONS = Integer.getInteger("nightmare.fuzz.executions", 2000);

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz");
        t.setDaemon(true);
        return t;
    });
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path tmp;

    @AfterAll
    void stop() {
        executor.shutdownNow();
    }

    /** What one execution did. */
    record Outcome(boolean accepted, long allocatedBytes) {}

    @FunctionalInterface
    interface Target {
        /** Parses the input; returns normally if accepted, throws the intended exception if refused. */
        void parse(byte[] input) throws Exception;
    }

    /** Runs every mutated input through {@code target}; returns how many were accepted. */
    private int fuzz(
            String name, List<byte[]> seeds, Target target, Class<? extends Exception> intended, long allocationLimit)
            throws Exception {
        Mutator mutator = new Mutator(SEED ^ name.hashCode());
        int accepted = 0;
        for (int i = 0; i < EXECUTIONS; i++) {
            byte[] input = mutator.mutate(seeds.get(mutator.nextInt(seeds.size())));
            int execution = i;
            Future<Outcome> run = executor.submit(() -> {
                long tid = Thread.currentThread().threadId();
                long before = threads.getThreadAllocatedBytes(tid);
                try {
                    target.parse(input);
                    return new Outcome(true, threads.getThreadAllocatedBytes(tid) - before);
                } catch (Exception e) {
                    if (!intended.isInstance(e)) {
                        throw new AssertionError(name + " execution " + execution + ": unintended " + e, e);
                    }
                    assertThat(e.getMessage())
                            .as(name + ": the error explains itself")
                            .isNotBlank();
                    return new Outcome(false, threads.getThreadAllocatedBytes(tid) - before);
                }
            });
            Outcome outcome;
            try {
                outcome = run.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                run.cancel(true);
                throw new AssertionError(name + " execution " + i + " ran past " + DEADLINE_MILLIS + " ms (a hang)");
            }
            assertThat(outcome.allocatedBytes())
                    .as(name + " execution " + i + " allocated in proportion to a claimed size")
                    .isLessThanOrEqualTo(allocationLimit);
            if (outcome.accepted()) {
                accepted++;
            }
        }
        System.out.printf(
                "[fuzz] %s: %d executions, %d accepted, %d refused with reasons%n",
                name, EXECUTIONS, accepted, EXECUTIONS - accepted);
        return accepted;
    }

    @Test
    void cfgParserRefusesOnlyWithCfgErrors() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (String cfg : List.of("vgg-conv.cfg", "jnet-conv.cfg", "tiny.cfg")) {
            seeds.add(Files.readAllBytes(Shared.models().resolve(cfg)));
        }
        int accepted = fuzz(
                "cfg",
                seeds,
                input -> {
                    NetworkSpec spec =
                            NetworkSpec.parse("fuzz.cfg", new String(input, StandardCharsets.UTF_8), w -> {});
                    spec.weightFloats();
                    try {
                        spec.outputShapes(64, 48, Math.max(0, spec.lastTargetableLayer()));
                    } catch (ShapeException e) {
                        // A cfg can be valid yet not run at 64×48: that is a shape error, also explained.
                    }
                },
                IllegalArgumentException.class,
                64L << 20);
        assertThat(accepted).as("some mutations stay valid cfgs").isPositive();
    }

    @Test
    void weightsReaderChecksLengthBeforeAllocating() throws Exception {
        // A tiny network whose weights fit in a few kB; mutated headers and lengths must be refused
        // before any large allocation, and cfgs claiming huge layers must not allocate for them.
        String cfg = "[net]\n[convolutional]\nbatch_normalize=1\nfilters=8\nsize=3\npad=1\nactivation=leaky\n"
                + "[maxpool]\nsize=2\nstride=2\n[convolutional]\nfilters=4\nsize=1\nactivation=linear\n";
        NetworkSpec spec = NetworkSpec.parse("small.cfg", cfg, w -> {});
        ByteArrayOutputStream valid = new ByteArrayOutputStream();
        SyntheticWeights.write(spec, 1, valid);
        NetworkSpec huge = NetworkSpec.parse(
                "huge.cfg", "[net]\n[convolutional]\nfilters=65536\nsize=64\nactivation=linear\n", w -> {});
        Path file = tmp.resolve("fuzz.weights");
        int accepted = fuzz(
                "weights",
                List.of(valid.toByteArray()),
                input -> {
                    Files.write(file, input);
                    WeightsReader.read(spec, file);
                    try {
                        WeightsReader.read(huge, file);
                        throw new AssertionError("a few kB cannot be 805 million floats");
                    } catch (WeightsException expected) {
                        // refused by length, before allocating 3 GB
                    }
                },
                WeightsException.class,
                8L << 20);
        assertThat(accepted).as("unmutated-length inputs still read").isPositive();
    }

    @Test
    void imageDecoderRefusesOnlyWithImageErrorsAndBoundedMemory() throws Exception {
        Image dog = ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1 << 20);
        Image small = ImageOps.resize(dog, 48, 36);
        List<byte[]> seeds = List.of(
                ImageCodec.encode(small, ImageCodec.Format.PNG),
                ImageCodec.encode(small, ImageCodec.Format.JPG),
                encodeWith(small, "gif"),
                encodeWith(small, "bmp"));
        long maxPixels = 1_000_000;
        fuzz(
                "image",
                seeds,
                input -> ImageCodec.decode(input, "fuzz", maxPixels),
                ImageException.class,
                // Decoding at most maxPixels: raster + float image + decoder buffers, never a claimed 50000².
                maxPixels * 32 + (16L << 20));
    }

    private static byte[] encodeWith(Image im, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(ImageCodec.toBuffered(im), format, out);
        return out.toByteArray();
    }
}
