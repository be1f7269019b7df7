package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.Shape;
import jcuda.driver.CUdeviceptr;

/** A float tensor in GPU memory, planar CHW (NCHW with N = 1, as cuDNN's tensor descriptors say). */
final class DeviceTensor implements Tensor {
    private final Shape shape;
    final DeviceBuffer buffer;

    DeviceTensor(Shape shape, DeviceBuffer buffer) {
        this.shape = shape;
        this.buffer = buffer;
    }

    @Override
    public Shape shape() {
        return shape;
    }

    CUdeviceptr pointer() {
        return buffer.pointer;
    }

    long floats() {
        return shape.size();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
