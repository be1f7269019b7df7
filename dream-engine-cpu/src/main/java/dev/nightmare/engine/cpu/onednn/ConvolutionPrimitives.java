package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.Dnnl.desc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_data_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;

import dev.nightmare.engine.cpu.Layout;
import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.Shape;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * The primitive descriptors of one direct convolution at one working size, each made by its own
 * method from the same {@link Geometry}: the forward convolution, oneDNN's backward data, and
 * backward data as a forward convolution with the transposed kernels. Activations and gradients
 * are blocked ({@code nChw16c} or {@code nChw8c}; the network input may be {@code nchw}); the kernels' layout is oneDNN's
 * choice. Each closes the descriptors and attributes it makes on the way, whether or not oneDNN
 * accepts the layer, and sets the deterministic attribute.
 */
final class ConvolutionPrimitives {
    private ConvolutionPrimitives() {}

    /** A darknet convolution in oneDNN's terms: dims with a batch of 1, strides and paddings. */
    record Geometry(Shape in, Shape out, int filters, int size, int stride, int padding) {
        static Geometry of(ConvolutionalSpec conv, Shape in, Shape out) {
            return new Geometry(in, out, conv.filters(), conv.size(), conv.stride(), conv.padding());
        }

        /** {@code [filter][channel][ky][kx]}. */
        long[] weights() {
            return new long[] {filters, in.channels(), size, size};
        }

        long[] strides() {
            return new long[] {stride, stride};
        }

        long[] padLeft() {
            return new long[] {padding, padding};
        }

        /** darknet's output size floors; oneDNN wants the right padding that yields exactly that size. */
        long[] padRight() {
            return new long[] {
                (long) (out.height() - 1) * stride + size - in.height() - padding,
                (long) (out.width() - 1) * stride + size - in.width() - padding
            };
        }

        /**
         * Whether backward data can run as a forward convolution ({@link #transposed()}): stride 1,
         * and at least 8 input channels (a first layer's 3-channel gradient stays with oneDNN's
         * backward data).
         */
        boolean transposable() {
            return stride == 1 && padding <= size - 1 && in.channels() >= 8;
        }

        /**
         * Backward data of a stride-1 convolution as a forward one: {@code dx = dy ⋆ transpose(w)},
         * from the output gradient to the input gradient with padding k−1−p; its kernels are {@code
         * [channel][filter][ky][kx]}, flipped (ConvolutionalWeights.transposeFlipped).
         */
        Geometry transposed() {
            return new Geometry(out, in, in.channels(), size, 1, size - 1 - padding);
        }
    }

    private static final long[] NO_DILATION = {0, 0};

    /**
     * The forward convolution {@code in} ({@code inLayout}) → {@code out}, with the bias added and
     * {@code fused} applied as a post-op; {@code fused} null: the raw convolution, neither bias nor
     * activation (a batch-normalised layer).
     */
    static Handle<dnnl_primitive_desc> forward(
            dnnl_engine engine, Geometry g, Layout inLayout, Activation fused, String what) {
        return forward(engine, dnnl_forward_training, g, inLayout, fused, what);
    }

    private static Handle<dnnl_primitive_desc> forward(
            dnnl_engine engine, int propKind, Geometry g, Layout inLayout, Activation fused, String what) {
        try (Handle<dnnl_memory_desc> src = desc(g.in(), inLayout);
                Handle<dnnl_memory_desc> weights = desc(g.weights(), dnnl_format_tag_any);
                Handle<dnnl_memory_desc> bias = fused == null ? null : desc(new long[] {g.filters()}, dnnl_x);
                Handle<dnnl_memory_desc> dst = blocked(g.out());
                Handle<dnnl_primitive_attr> attr = Dnnl.deterministic(fused)) {
            return Dnnl.primitiveDesc(
                    pd -> dnnl_convolution_forward_primitive_desc_create(
                            pd,
                            engine,
                            propKind,
                            dnnl_convolution_direct,
                            src.get(),
                            weights.get(),
                            bias == null ? null : bias.get(),
                            dst.get(),
                            g.strides(),
                            NO_DILATION,
                            g.padLeft(),
                            g.padRight(),
                            attr.get()),
                    what);
        }
    }

    /**
     * oneDNN's backward data of {@code forwardHint}'s convolution: the output gradient in, the
     * input gradient out, both blocked.
     *
     * @throws IllegalStateException if oneDNN would read the output gradient in another layout
     */
    static Handle<dnnl_primitive_desc> backwardData(
            dnnl_engine engine, Geometry g, dnnl_primitive_desc forwardHint, String what) {
        Handle<dnnl_primitive_desc> backward;
        try (Handle<dnnl_memory_desc> gradIn = blocked(g.in());
                Handle<dnnl_memory_desc> weights = desc(g.weights(), dnnl_format_tag_any);
                Handle<dnnl_memory_desc> gradOut = blocked(g.out());
                Handle<dnnl_primitive_attr> attr = Dnnl.deterministic(null)) {
            backward = Dnnl.primitiveDesc(
                    pd -> dnnl_convolution_backward_data_primitive_desc_create(
                            pd,
                            engine,
                            dnnl_convolution_direct,
                            gradIn.get(),
                            weights.get(),
                            gradOut.get(),
                            g.strides(),
                            NO_DILATION,
                            g.padLeft(),
                            g.padRight(),
                            forwardHint,
                            attr.get()),
                    what);
            if (dnnl_memory_desc_equal(
                            dnnl_primitive_desc_query_md(backward.get(), dnnl_query_diff_dst_md, 0), gradOut.get())
                    == 0) {
                backward.close();
                throw new IllegalStateException("oneDNN wants another gradient layout: " + what);
            }
        }
        return backward;
    }

    /**
     * Backward data as oneDNN's forward convolution of the {@link Geometry#transposed()} layer (only
     * where {@link Geometry#transposable()}): the output gradient in, the input gradient out, both
     * blocked, no bias.
     */
    static Handle<dnnl_primitive_desc> transposedForward(dnnl_engine engine, Geometry g, String what) {
        return forward(engine, dnnl_forward_inference, g.transposed(), Layout.BLOCKED, null, what);
    }

    private static Handle<dnnl_memory_desc> blocked(Shape s) {
        return desc(s, Layout.BLOCKED);
    }
}
