package dev.nightmare.worker.client;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.worker.service.DeviceMemoryProbe;
import dev.nightmare.worker.service.WorkerMetrics;
import jcuda.driver.JCudaDriver;
import org.jboss.logging.Logger;

/**
 * Reads free and total GPU memory ({@code cuMemGetInfo}) after each round on the job's thread,
 * where the cuda backend's context is current, into the worker's metrics. Does nothing for other
 * backends, so JCuda's natives are never touched on a CPU-only worker.
 */
public final class CudaMemoryProbe implements DeviceMemoryProbe {
    private static final Logger LOG = Logger.getLogger(CudaMemoryProbe.class);

    private final WorkerMetrics metrics;
    private boolean broken;

    public CudaMemoryProbe(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void sample(Backend backend) {
        if (broken || !"cuda".equals(backend.name())) {
            return;
        }
        try {
            long[] free = new long[1];
            long[] total = new long[1];
            JCudaDriver.cuMemGetInfo(free, total);
            metrics.gpuMemory(free[0], total[0]);
        } catch (RuntimeException | LinkageError e) {
            broken = true;
            LOG.warnf("GPU memory is not reported: %s", e.toString());
        }
    }
}
