package dev.nightmare.worker.service;

import dev.nightmare.engine.backend.DeviceMemoryReading;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker's metrics (Prometheus at {@code /q/metrics}): jobs by outcome, iterations, iteration
 * rate of the last round, round compute and store latency, queue wait, whether a job is running,
 * the backend in use and, on a GPU, free device memory.
 */
public final class WorkerMetrics {
    private final MeterRegistry registry;
    private final Counter iterations;
    private final Timer roundCompute;
    private final Timer roundStore;
    private final Timer queueWait;
    private final Timer prepare;
    private final AtomicLong busy = new AtomicLong();
    private final AtomicLong iterationsPerSecondMilli = new AtomicLong();
    private final AtomicLong gpuFree = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong gpuTotal = new AtomicLong();

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.iterations = Counter.builder("nightmare.worker.iterations")
                .description("Dream iterations computed")
                .register(registry);
        this.roundCompute = Timer.builder("nightmare.worker.round.compute")
                .description("Engine time per round (its iterations)")
                .register(registry);
        this.roundStore = Timer.builder("nightmare.worker.round.store")
                .description("From a round's last iteration to its round event: ownership check, S3 writes, event")
                .register(registry);
        this.queueWait = Timer.builder("nightmare.worker.queue.wait")
                .description("From the gateway accepting a job to a worker taking it (first delivery)")
                .register(registry);
        this.prepare = Timer.builder("nightmare.worker.job.prepare")
                .description("From a delivery to its first iteration: take-over, model, input, checkpoint, upload")
                .register(registry);
        Gauge.builder("nightmare.worker.busy", busy, AtomicLong::get)
                .description("1 while a job runs")
                .register(registry);
        Gauge.builder("nightmare.worker.iterations.per.second", iterationsPerSecondMilli, v -> v.get() / 1000.0)
                .description("Iteration rate of the last round")
                .register(registry);
    }

    /** Counts a finished delivery; {@code outcome} as in {@link Disposition#outcome()}. */
    public void job(String outcome) {
        registry.counter("nightmare.worker.jobs", Tags.of("outcome", outcome)).increment();
    }

    public void iteration() {
        iterations.increment();
    }

    public void round(long computeNanos, int iters, long storeNanos) {
        roundCompute.record(Duration.ofNanos(computeNanos));
        roundStore.record(Duration.ofNanos(storeNanos));
        if (computeNanos > 0) {
            iterationsPerSecondMilli.set(Math.round(iters * 1e12 / computeNanos));
        }
    }

    public void queueWait(Duration wait) {
        if (!wait.isNegative()) {
            queueWait.record(wait);
        }
    }

    public void prepared(long nanos) {
        prepare.record(Duration.ofNanos(nanos));
    }

    public void busy(boolean running) {
        busy.set(running ? 1 : 0);
    }

    /** A constant 1 tagged with the backend's name and device. */
    public void backend(String name, String device) {
        Gauge.builder("nightmare.worker.backend", () -> 1)
                .description("The backend this worker dreams on")
                .tags("backend", name, "device", device)
                .register(registry);
    }

    /** Free and total GPU memory in bytes, sampled on the job thread (the one with the device context). */
    public void deviceMemory(DeviceMemoryReading reading) {
        if (gpuFree.getAndSet(reading.freeBytes()) == Long.MIN_VALUE) {
            Gauge.builder("nightmare.worker.gpu.memory.free", gpuFree, AtomicLong::get)
                    .baseUnit("bytes")
                    .description("Free GPU memory after the last round")
                    .register(registry);
            Gauge.builder("nightmare.worker.gpu.memory.total", gpuTotal, AtomicLong::get)
                    .baseUnit("bytes")
                    .register(registry);
        }
        gpuTotal.set(reading.totalBytes());
    }
}
