package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * A float tensor in off-heap memory (64-byte aligned, so oneDNN and the Vector API both read it
 * directly) in one {@link Layout}. A tensor either owns its memory (freed on close) or is a view of
 * memory its session owns. A backend may attach one native handle to it (oneDNN's memory object),
 * closed with the tensor.
 */
public final class CpuTensor implements Tensor {
    private final Shape shape;
    private final Layout layout;
    private final Arena arena;
    private final MemorySegment data;
    private AutoCloseable attachment;

    private CpuTensor(Shape shape, Layout layout, Arena arena, MemorySegment data) {
        this.shape = shape;
        this.layout = layout;
        this.arena = arena;
        this.data = data;
    }

    /** A zero-filled tensor owning its memory. */
    public static CpuTensor allocate(Shape shape, Layout layout) {
        Arena arena = Arena.ofShared();
        // Arena memory is zeroed: padding channels of blocked tensors start (and stay) zero.
        MemorySegment data = arena.allocate(Math.max(4, layout.storageFloats(shape) * Float.BYTES), 64);
        return new CpuTensor(shape, layout, arena, data);
    }

    /** A tensor over the start of {@code memory}, which its owner frees. */
    public static CpuTensor view(Shape shape, Layout layout, MemorySegment memory) {
        long bytes = layout.storageFloats(shape) * Float.BYTES;
        if (bytes > memory.byteSize()) {
            throw new IllegalArgumentException(shape + " needs " + bytes + " bytes, view has " + memory.byteSize());
        }
        return new CpuTensor(shape, layout, null, memory.asSlice(0, Math.max(4, bytes)));
    }

    @Override
    public Shape shape() {
        return shape;
    }

    public Layout layout() {
        return layout;
    }

    /** The storage, padding included. */
    public MemorySegment data() {
        return data;
    }

    /** Floats of storage, padding included. */
    public long storageFloats() {
        return layout.storageFloats(shape);
    }

    /** The handle {@code create} makes for this tensor, made once and closed with the tensor. */
    @SuppressWarnings("unchecked")
    public synchronized <T extends AutoCloseable> T attachment(Function<CpuTensor, T> create) {
        if (attachment == null) {
            attachment = create.apply(this);
        }
        return (T) attachment;
    }

    @Override
    public synchronized void close() {
        if (attachment != null) {
            try {
                attachment.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the native handle of a " + shape + " tensor", e);
            }
            attachment = null;
        }
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
