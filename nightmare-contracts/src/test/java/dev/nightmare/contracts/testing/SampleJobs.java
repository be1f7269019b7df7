package dev.nightmare.contracts.testing;

import dev.nightmare.contracts.AnimateOptions;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import java.time.Instant;

/**
 * Valid contract values for tests of every module (published in this module's test-jar): resolved
 * options built by name, and requests as the gateway writes them. Seeded: the same call gives the
 * same value.
 */
public final class SampleJobs {
    /** The owner of sample jobs: {@code JobIds.owner("test-key")}. */
    public static final String OWNER = JobIds.owner("test-key");

    private SampleJobs() {}

    /** Options for {@code model} at {@code layer}; every option not set takes darknet's default. */
    public static Options options(String model, int layer) {
        return new Options(model, layer);
    }

    /** A request for {@code options} on a {@code width × height} input, created now, without deadline or webhook. */
    public static JobRequest request(String jobId, JobOptions options, String modelSha256, int width, int height) {
        Instant now = Instant.now();
        return request(jobId, OWNER, options, modelSha256, width, height, now, null, null);
    }

    /** A request with every field given. */
    public static JobRequest request(
            String jobId,
            String owner,
            JobOptions options,
            String modelSha256,
            int width,
            int height,
            Instant createdAt,
            Instant deadline,
            String callbackUrl) {
        return new JobRequest(
                JobRequest.schemaVersionFor(options),
                jobId,
                owner,
                options,
                modelSha256,
                JobKeys.input(jobId),
                width,
                height,
                createdAt,
                deadline,
                callbackUrl);
    }

    /** Options by name; {@link #resolved} fills the rest with darknet's defaults, seed 42 unless set. */
    public static final class Options {
        private final String model;
        private final int layer;
        private Integer rounds;
        private Integer iters;
        private Integer range;
        private Integer octaves;
        private Float rate;
        private long seed = 42;
        private String format = "png";
        private AnimateOptions animate;
        private String bnGradient;
        private Float zoom;

        private Options(String model, int layer) {
            this.model = model;
            this.layer = layer;
        }

        public Options rounds(int value) {
            rounds = value;
            return this;
        }

        public Options iters(int value) {
            iters = value;
            return this;
        }

        public Options range(int value) {
            range = value;
            return this;
        }

        public Options octaves(int value) {
            octaves = value;
            return this;
        }

        public Options rate(float value) {
            rate = value;
            return this;
        }

        public Options seed(long value) {
            seed = value;
            return this;
        }

        public Options format(String value) {
            format = value;
            return this;
        }

        public Options zoom(float value) {
            zoom = value;
            return this;
        }

        /** The rounds also as a video. */
        public Options animate(String videoFormat, Integer fps, Integer interpolate) {
            animate = new AnimateOptions(videoFormat, fps, interpolate);
            return this;
        }

        /** The batch-norm gradient ({@code exact} or {@code darknet}). */
        public Options bnGradient(String value) {
            bnGradient = value;
            return this;
        }

        /** As the gateway resolves them; {@code maxSide} null keeps none. */
        public JobOptions resolved(Integer maxSide) {
            return new JobOptions(
                            model, layer, rounds, iters, range, octaves, rate, null, zoom, null, null, null, null, seed,
                            null, format, null)
                    .withAnimate(animate)
                    .withBnGradient(bnGradient)
                    .resolve(0, maxSide);
        }
    }
}
