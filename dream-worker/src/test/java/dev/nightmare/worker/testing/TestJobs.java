package dev.nightmare.worker.testing;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.testing.SampleJobs;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import java.util.Random;

/** Small, fast, seeded nightmare jobs on Tiny Darknet for the worker's tests. */
public final class TestJobs {
    public static final int WIDTH = 64;
    public static final int HEIGHT = 48;

    private TestJobs() {}

    /** Options: layer 4 (after two maxpools), 2 octaves, PNG rounds, a fixed seed. */
    public static JobOptions options(int rounds, int iters) {
        return SampleJobs.options(TinyModel.NAME, 4)
                .rounds(rounds)
                .iters(iters)
                .range(1)
                .octaves(2)
                .resolved(null);
    }

    public static JobRequest request(String jobId, JobOptions options) {
        return SampleJobs.request(jobId, options, TinyModel.SHA256, WIDTH, HEIGHT);
    }

    /** A seeded noise image, as the gateway would store it (PNG). */
    public static byte[] inputPng(long seed) {
        Random random = new Random(seed);
        float[] data = new float[3 * WIDTH * HEIGHT];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        return ImageCodec.encode(new Image(WIDTH, HEIGHT, 3, data), ImageCodec.Format.PNG);
    }

    /** Stores request.json and input.png as the gateway does; returns the message bytes. */
    public static byte[] submit(InMemoryJobStore store, JobRequest request) {
        byte[] json = ContractJson.write(request);
        store.put(JobKeys.request(request.jobId()), json);
        store.put(JobKeys.input(request.jobId()), inputPng(7));
        return json;
    }
}
