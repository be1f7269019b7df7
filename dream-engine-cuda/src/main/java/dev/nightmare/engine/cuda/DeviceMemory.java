package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.OutOfDeviceMemoryException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * One session's device allocations: allocates, frees, and counts the bytes in use and their peak
 * (reported by the GPU check). An allocation the device cannot satisfy becomes a {@link
 * OutOfDeviceMemoryException} naming the size, not a crash.
 */
final class DeviceMemory {
    private final CudaBackend backend;
    private final Set<DeviceBuffer> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private long inUse;
    private long peak;

    DeviceMemory(CudaBackend backend) {
        this.backend = backend;
    }

    /** Zero-filled device memory for {@code what} (named in an out-of-memory error). */
    DeviceBuffer allocate(long bytes, String what) {
        backend.bind();
        CUdeviceptr pointer = new CUdeviceptr();
        // cuMemAlloc refuses 0 bytes; a 4-byte block keeps every buffer a real pointer.
        long size = Math.max(4, (bytes + 3) & ~3L);
        try {
            JCudaDriver.cuMemAlloc(pointer, size);
        } catch (CudaException e) {
            if (String.valueOf(e.getMessage()).contains("OUT_OF_MEMORY")) {
                throw new OutOfDeviceMemoryException("not enough GPU memory for " + what + ": "
                        + StackMemory.size(size) + " requested, " + StackMemory.size(backend.freeBytes())
                        + " free on " + backend.deviceName());
            }
            throw e;
        }
        JCudaDriver.cuMemsetD32(pointer, 0, size / 4);
        inUse += size;
        peak = Math.max(peak, inUse);
        DeviceBuffer buffer = new DeviceBuffer(pointer, size, this);
        live.add(buffer);
        return buffer;
    }

    void free(DeviceBuffer buffer) {
        if (live.remove(buffer)) {
            backend.bind();
            JCudaDriver.cuMemFree(buffer.pointer);
            inUse -= buffer.bytes;
        }
    }

    /** Frees whatever is still allocated (the session is closing; its tensors die with it). */
    void freeAll() {
        for (DeviceBuffer buffer : new ArrayList<>(live)) {
            buffer.close();
        }
    }

    long inUseBytes() {
        return inUse;
    }

    long peakBytes() {
        return peak;
    }

    static void upload(DeviceBuffer buffer, float[] values) {
        JCudaDriver.cuMemcpyHtoD(buffer.pointer, Pointer.to(values), (long) values.length * Float.BYTES);
    }

    static void upload(DeviceBuffer buffer, double[] values) {
        JCudaDriver.cuMemcpyHtoD(buffer.pointer, Pointer.to(values), (long) values.length * Double.BYTES);
    }
}
