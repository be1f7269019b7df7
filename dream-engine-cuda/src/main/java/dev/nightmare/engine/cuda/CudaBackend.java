package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.BackendUnavailableException;
import dev.nightmare.engine.backend.DeviceMemoryReading;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.model.Model;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * The GPU backend: cuDNN for convolutions, Nightmare's own CUDA kernels for everything else, all in
 * the device's primary context (the one cuDNN's runtime uses too). Each {@link #open} session has
 * its own cuDNN handle and uploads its model's weights once. FP32 with TF32 disabled unless {@code
 * cuda.tf32=true} (see {@link CudaOptions}).
 */
public final class CudaBackend implements Backend {
    public static final String NAME = "cuda";

    // CUdevice_attribute numbers.
    private static final int COMPUTE_CAPABILITY_MAJOR = 75;
    private static final int COMPUTE_CAPABILITY_MINOR = 76;

    private final CudaRuntime runtime;
    private final CudaOptions options;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String deviceName;
    private final String description;
    private final Kernels kernels;
    private boolean closed;

    CudaBackend(CudaRuntime runtime, BackendConfig config) {
        this.runtime = runtime;
        this.options = CudaOptions.from(config);
        if (options.device() >= runtime.deviceCount) {
            throw new BackendUnavailableException("cuda.device=" + options.device() + " but this machine has "
                    + runtime.deviceCount + " CUDA device" + (runtime.deviceCount == 1 ? "" : "s"));
        }
        JCudaDriver.cuDeviceGet(device, options.device());
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        JCudaDriver.cuCtxSetCurrent(context);
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, device);
        int length = 0;
        while (length < name.length && name[length] != 0) {
            length++;
        }
        this.deviceName = new String(name, 0, length, StandardCharsets.US_ASCII).strip();
        int[] major = new int[1];
        int[] minor = new int[1];
        JCudaDriver.cuDeviceGetAttribute(major, COMPUTE_CAPABILITY_MAJOR, device);
        JCudaDriver.cuDeviceGetAttribute(minor, COMPUTE_CAPABILITY_MINOR, device);
        long[] total = new long[1];
        JCudaDriver.cuDeviceTotalMem(total, device);
        this.description = String.format(
                Locale.ROOT,
                "%s (sm_%d%d, %s), CUDA driver %s, cuDNN %s%s, %s",
                deviceName,
                major[0],
                minor[0],
                StackMemory.size(total[0]),
                CudaRuntime.versionString(runtime.driverVersion),
                runtime.cudnn.versionString(),
                runtime.cudnn.compat() ? " via the cuDNN 8 compatibility library" : "",
                options.precision());
        try {
            this.kernels = new Kernels();
        } catch (RuntimeException e) {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            throw new BackendUnavailableException(
                    "the CUDA kernels do not load on " + deviceName + ": " + CudaRuntime.firstLine(e.getMessage()), e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String device() {
        return description;
    }

    String deviceName() {
        return deviceName;
    }

    CudaRuntime runtime() {
        return runtime;
    }

    CudaOptions options() {
        return options;
    }

    Kernels kernels() {
        return kernels;
    }

    /** Makes this backend's context current on the calling thread (cheap; every entry point calls it). */
    void bind() {
        JCudaDriver.cuCtxSetCurrent(context);
    }

    /** Free device memory now (cuMemGetInfo). */
    long freeBytes() {
        return memoryNow().freeBytes();
    }

    /** The device's memory (cuMemGetInfo's total). */
    long totalBytes() {
        return memoryNow().totalBytes();
    }

    @Override
    public Optional<DeviceMemoryReading> deviceMemory() {
        return Optional.of(memoryNow());
    }

    private DeviceMemoryReading memoryNow() {
        bind();
        long[] free = new long[1];
        long[] total = new long[1];
        JCudaDriver.cuMemGetInfo(free, total);
        return new DeviceMemoryReading(free[0], total[0]);
    }

    @Override
    public DreamSession open(Model model, SessionOptions options) {
        return new CudaSession(this, model, options);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bind();
        kernels.close();
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }
}
