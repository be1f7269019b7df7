package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.OneDnnRuntime.check;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_clone;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_create_with_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_deterministic;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_destroy;

import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.Shape;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/** The oneDNN objects the CPU backend makes, each as a {@link Handle} that destroys it. */
final class Dnnl {
    private Dnnl() {}

    /** An f32 memory descriptor of {@code dims} in the layout {@code tag}. */
    static Handle<dnnl_memory_desc> desc(long[] dims, int tag) {
        return Handle.create(
                new dnnl_memory_desc(),
                d -> dnnl_memory_desc_create_with_tag(d, dims.length, dims, dnnl_f32, tag),
                d -> dnnl_memory_desc_destroy(d),
                "memory_desc_create");
    }

    /** The descriptor of an activation tensor: batch 1, {@code nchw} planar or blocked ({@link #BLOCKED_TAG}). */
    static Handle<dnnl_memory_desc> desc(Shape shape, Layout layout) {
        return desc(
                new long[] {1, shape.channels(), shape.height(), shape.width()},
                layout == Layout.PLANAR ? dnnl_nchw : BLOCKED_TAG);
    }

    /** oneDNN's format tag of {@link Layout#BLOCKED}: {@code nChw16c} or {@code nChw8c}. */
    static final int BLOCKED_TAG = Layout.BLOCK == 16 ? dnnl_nChw16c : dnnl_nChw8c;

    /** A copy of a descriptor oneDNN owns (e.g. one a primitive descriptor reports). */
    static Handle<dnnl_memory_desc> copyOf(dnnl_memory_desc desc) {
        return Handle.create(
                new dnnl_memory_desc(),
                d -> dnnl_memory_desc_clone(d, desc),
                d -> dnnl_memory_desc_destroy(d),
                "memory_desc_clone");
    }

    /**
     * Primitive attributes with the deterministic flag set and, unless {@code fused} is null or
     * linear, the activation as an eltwise post-op: relu with alpha, {@code x > 0 ? x : alpha·x}
     * (alpha 0.1 is darknet's leaky).
     */
    static Handle<dnnl_primitive_attr> deterministic(Activation fused) {
        return fused == null || fused == Activation.LINEAR
                ? withPostOps(null)
                : withPostOps(postOps -> appendActivation(postOps, fused));
    }

    /**
     * Primitive attributes with the deterministic flag set and the post-ops {@code append} adds
     * (none when it is null).
     */
    static Handle<dnnl_primitive_attr> withPostOps(Consumer<dnnl_post_ops> append) {
        Handle<dnnl_primitive_attr> attr = Handle.create(
                new dnnl_primitive_attr(),
                a -> dnnl_primitive_attr_create(a),
                a -> dnnl_primitive_attr_destroy(a),
                "primitive_attr_create");
        try {
            check(dnnl_primitive_attr_set_deterministic(attr.get(), 1), "set_deterministic");
            if (append != null) {
                // The attribute keeps its own copy of the post-ops.
                try (Handle<dnnl_post_ops> postOps = Handle.create(
                        new dnnl_post_ops(),
                        p -> dnnl_post_ops_create(p),
                        p -> dnnl_post_ops_destroy(p),
                        "post_ops_create")) {
                    append.accept(postOps.get());
                    check(dnnl_primitive_attr_set_post_ops(attr.get(), postOps.get()), "set_post_ops");
                }
            }
            return attr;
        } catch (RuntimeException e) {
            attr.close();
            throw e;
        }
    }

    /** Appends {@code act} (ReLU or leaky) as an eltwise post-op: ReLU with alpha {@link #slope}. */
    static void appendActivation(dnnl_post_ops postOps, Activation act) {
        check(dnnl_post_ops_append_eltwise(postOps, dnnl_eltwise_relu, slope(act), 0f), "append_eltwise");
    }

    /** oneDNN's ReLU alpha for darknet's activation: 0.1 for leaky ({@code x > 0 ? x : 0.1x}), else 0. */
    static float slope(Activation act) {
        return act == Activation.LEAKY ? 0.1f : 0f;
    }

    /** A primitive descriptor made by {@code create} (one of oneDNN's {@code *_primitive_desc_create}). */
    static Handle<dnnl_primitive_desc> primitiveDesc(ToIntFunction<dnnl_primitive_desc> create, String what) {
        return Handle.create(new dnnl_primitive_desc(), create, p -> dnnl_primitive_desc_destroy(p), what);
    }

    /** The primitive of {@code pd}: oneDNN generates its kernel code now. */
    static Handle<dnnl_primitive> primitive(dnnl_primitive_desc pd, String what) {
        return Handle.create(
                new dnnl_primitive(), p -> dnnl_primitive_create(p, pd), p -> dnnl_primitive_destroy(p), what);
    }

    /** A memory object of layout {@code desc} over {@code data}, which the caller owns and keeps alive. */
    static Handle<dnnl_memory> memory(dnnl_memory_desc desc, MemorySegment data, dnnl_engine engine) {
        return Handle.create(
                new dnnl_memory(),
                m -> dnnl_memory_create(m, desc, engine, new Pointer(data.asByteBuffer())),
                m -> dnnl_memory_destroy(m),
                "memory_create");
    }

    /** A new in-order stream on {@code engine}. */
    static Handle<dnnl_stream> stream(dnnl_engine engine) {
        return Handle.create(
                new dnnl_stream(),
                s -> dnnl_stream_create(s, engine, dnnl_stream_default_flags),
                s -> dnnl_stream_destroy(s),
                "creating a stream");
    }
}
