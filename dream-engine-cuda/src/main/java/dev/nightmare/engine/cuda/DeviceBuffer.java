package dev.nightmare.engine.cuda;

import jcuda.driver.CUdeviceptr;

/** A block of device memory from a {@link DeviceMemory}, freed (once) on close. */
final class DeviceBuffer implements AutoCloseable {
    final CUdeviceptr pointer;
    final long bytes;
    private final DeviceMemory owner;
    private boolean closed;

    DeviceBuffer(CUdeviceptr pointer, long bytes, DeviceMemory owner) {
        this.pointer = pointer;
        this.bytes = bytes;
        this.owner = owner;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.free(this);
        }
    }
}
