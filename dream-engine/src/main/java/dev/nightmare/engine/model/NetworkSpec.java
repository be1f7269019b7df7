package dev.nightmare.engine.model;

import dev.nightmare.engine.cfg.CfgException;
import dev.nightmare.engine.cfg.CfgParser;
import dev.nightmare.engine.cfg.CfgSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A darknet network as its cfg describes it: the {@code [net]} input size and the layers in order.
 * Holds no weights. Layer indices are darknet's: every section after {@code [net]} is one layer,
 * maxpools included.
 */
public final class NetworkSpec {
    /** Upper bound on layers: darknet's largest published cfgs have a few hundred. */
    public static final int MAX_LAYERS = 4096;

    private final String source;
    private final int width;
    private final int height;
    private final int channels;
    private final List<LayerSpec> layers;

    public NetworkSpec(String source, int width, int height, int channels, List<LayerSpec> layers) {
        this.source = source;
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.layers = List.copyOf(layers);
    }

    /** Parses a cfg file; warnings (unused keys) go to {@code warnings}. */
    public static NetworkSpec read(Path cfg, Consumer<String> warnings) throws IOException {
        return read(cfg, warnings, warnings);
    }

    /**
     * Parses a cfg file; the {@code [net]} section's unused keys (darknet's training settings, such as
     * {@code momentum} or {@code policy}, which cannot change a dream) go to {@code netSettings},
     * the other sections' unused keys (which darknet might have used) to {@code warnings}.
     */
    public static NetworkSpec read(Path cfg, Consumer<String> warnings, Consumer<String> netSettings)
            throws IOException {
        long size = Files.size(cfg);
        if (size > CfgParser.MAX_CFG_CHARS) {
            throw new CfgException(
                    cfg.toString(), "is " + size + " bytes; a cfg is at most " + CfgParser.MAX_CFG_CHARS);
        }
        return parse(cfg.toString(), Files.readString(cfg, StandardCharsets.UTF_8), warnings, netSettings);
    }

    /** Parses cfg text; {@code source} names it in messages. */
    public static NetworkSpec parse(String source, String text, Consumer<String> warnings) {
        return parse(source, text, warnings, warnings);
    }

    /** Parses cfg text, reporting unused keys as {@link #read(Path, Consumer, Consumer)} does. */
    public static NetworkSpec parse(
            String source, String text, Consumer<String> warnings, Consumer<String> netSettings) {
        List<CfgSection> sections = CfgParser.parse(source, text);
        CfgSection net = sections.getFirst();
        if (!net.type().equals("net") && !net.type().equals("network")) {
            throw new CfgException(
                    source, net.line(), "first section is [" + net.type() + "]; expected [net] or [network]");
        }
        if (sections.size() - 1 > MAX_LAYERS) {
            throw new CfgException(
                    source, "has " + (sections.size() - 1) + " layers; at most " + MAX_LAYERS + " are supported");
        }
        int width = net.intValue("width", 0, 0, 1 << 16);
        int height = net.intValue("height", 0, 0, 1 << 16);
        int channels = net.intValue("channels", 3, 3, 3);
        // Read, not used by nightmare: batch size is always 1 here (set_batch_network).
        net.intValue("batch", 1, 1, Integer.MAX_VALUE);
        net.intValue("subdivisions", 1, 1, Integer.MAX_VALUE);
        net.reportUnused(netSettings);

        List<LayerSpec> layers = new ArrayList<>();
        int inputChannels = channels;
        for (CfgSection section : sections.subList(1, sections.size())) {
            LayerSpec layer = parseLayer(section);
            section.reportUnused(warnings);
            if (layer instanceof ConvolutionalSpec conv && conv.kernelWeights(inputChannels) > Integer.MAX_VALUE - 8) {
                throw new CfgException(
                        source,
                        section.line(),
                        "[convolutional] has " + conv.kernelWeights(inputChannels) + " weights; at most "
                                + (Integer.MAX_VALUE - 8) + " per layer are supported");
            }
            inputChannels = layer instanceof ConvolutionalSpec conv ? conv.filters() : inputChannels;
            layers.add(layer);
        }
        if (layers.isEmpty()) {
            throw new CfgException(source, "has no layers after [net]; expected at least one [convolutional]");
        }
        return new NetworkSpec(source, width, height, channels, layers);
    }

    private static LayerSpec parseLayer(CfgSection s) {
        return switch (s.type()) {
            case "convolutional", "conv" -> {
                int filters = s.intValue("filters", 1, 1, 1 << 16);
                int size = s.intValue("size", 1, 1, 64);
                int stride = s.intValue("stride", 1, 1, 64);
                boolean pad = s.intValue("pad", 0, 0, 1) == 1;
                int padding = s.intValue("padding", 0, 0, 64);
                // darknet parse_convolutional: pad=1 overrides padding with size/2.
                if (pad) {
                    padding = size / 2;
                }
                boolean bn = s.intValue("batch_normalize", 0, 0, 1) == 1;
                s.intValue("groups", 1, 1, 1);
                if (!s.has("activation")) {
                    throw s.invalid(
                            "activation", "relu, leaky or linear (darknet's default, logistic, is not supported)");
                }
                Activation activation =
                        Activation.fromCfg(s.choice("activation", "linear", List.of("relu", "leaky", "linear")));
                yield new ConvolutionalSpec(filters, size, stride, padding, bn, activation);
            }
            case "maxpool", "max" -> {
                int stride = s.intValue("stride", 1, 1, 64);
                int size = s.intValue("size", stride, 1, 64);
                int padding = s.intValue("padding", size - 1, 0, 64);
                yield new MaxpoolSpec(size, stride, padding);
            }
            case "avgpool", "avg" -> new AvgpoolSpec();
            case "softmax", "soft" -> {
                int groups = s.intValue("groups", 1, 1, 1 << 16);
                float temperature = s.floatValue("temperature", 1);
                if (!(temperature > 0)) {
                    throw s.invalid("temperature", "a number above 0");
                }
                yield new SoftmaxSpec(groups, temperature, s.has("tree"));
            }
            case "cost" -> {
                String type = s.choice("type", "sse", List.of("sse", "masked", "smooth", "L1", "seg", "wgan"));
                s.floatValue("scale", 1);
                yield new CostSpec(type);
            }
            case "dropout" -> {
                float p = s.floatValue("probability", 0.5f);
                if (p < 0 || p >= 1) {
                    throw s.invalid("probability", "a number in [0, 1)");
                }
                yield new DropoutSpec(p);
            }
            case "net", "network" ->
                throw new CfgException(
                        s.source(),
                        s.line(),
                        "[" + s.type() + "] appears again; expected it only as the first section");
            default ->
                throw new CfgException(
                        s.source(),
                        s.line(),
                        "unknown section [" + s.type()
                                + "]; expected one of [convolutional], [maxpool], [avgpool], [softmax], [cost], [dropout]");
        };
    }

    /** Where the cfg came from (a path or a name). */
    public String source() {
        return source;
    }

    /** {@code [net] width}: the input size the cfg was written for (reconstruct mode uses it). */
    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Input channels; always 3 (colour images). */
    public int channels() {
        return channels;
    }

    public List<LayerSpec> layers() {
        return Collections.unmodifiableList(layers);
    }

    public int size() {
        return layers.size();
    }

    public LayerSpec layer(int index) {
        return layers.get(index);
    }

    /** Channels entering layer {@code index}; does not depend on the spatial size. */
    public int inputChannels(int index) {
        int c = channels;
        for (int i = 0; i < index; i++) {
            if (layers.get(i) instanceof ConvolutionalSpec conv) {
                c = conv.filters();
            }
        }
        return c;
    }

    /** Floats a darknet weights file holds for this cfg (after its header). */
    public long weightFloats() {
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            total += layers.get(i).weightFloats(inputChannels(i));
        }
        return total;
    }

    /** Σ kernel weights of every convolutional layer: what darknet's random init draws for (RNG.md §2). */
    public long convolutionalKernelWeights() {
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof ConvolutionalSpec conv) {
                total += conv.kernelWeights(inputChannels(i));
            }
        }
        return total;
    }

    /**
     * Output shape of every layer 0..lastLayer for an input of {@code width×height}, as darknet's
     * {@code resize_network} computes them.
     *
     * @throws ShapeException if a layer cannot run at that size (its output would be empty) or
     *     nightmare cannot target {@code lastLayer} ({@link #untargetable})
     */
    public List<Shape> outputShapes(int width, int height, int lastLayer) {
        checkLayer(lastLayer);
        untargetable(lastLayer).ifPresent(reason -> {
            throw new ShapeException(reason);
        });
        List<Shape> shapes = new ArrayList<>(lastLayer + 1);
        Shape in = new Shape(channels, height, width);
        if (in.isEmpty()) {
            throw new ShapeException(
                    "a working image of " + width + "×" + height + " is empty; use a larger image or fewer octaves");
        }
        for (int i = 0; i <= lastLayer; i++) {
            LayerSpec layer = layers.get(i);
            Shape out = layer.outputShape(in);
            if (out.isEmpty()) {
                throw new ShapeException(
                        "layer " + i + " [" + layer.type() + "] gets a " + in.width() + "×" + in.height()
                                + " input and would output " + out.width() + "×" + out.height()
                                + "; use a larger image or fewer octaves");
            }
            if (layer instanceof SoftmaxSpec softmax && in.size() % softmax.groups() != 0) {
                // darknet make_softmax_layer asserts inputs % groups == 0.
                throw new ShapeException("layer " + i + " [softmax] has groups=" + softmax.groups()
                        + ", which does not divide its " + in.size() + " inputs");
            }
            shapes.add(out);
            in = out;
        }
        return shapes;
    }

    /**
     * Why nightmare cannot target layer {@code layer}, naming the layer at fault (the target or one
     * below it), or empty when it can: every layer up to it can be dreamed through as darknet's
     * nightmare does ({@link LayerSpec#cannotDream}). Shapes are not checked here.
     */
    public Optional<String> untargetable(int layer) {
        checkLayer(layer);
        // Whether darknet resizes each layer: not after the first [avgpool], where resize_network stops.
        boolean[] resized = new boolean[layer + 1];
        for (int i = 0; i <= layer; i++) {
            resized[i] = i == 0 || (resized[i - 1] && !(layers.get(i - 1) instanceof AvgpoolSpec));
        }
        LayerSpec target = layers.get(layer);
        Optional<String> own = target.cannotDream(resized[layer], true);
        if (own.isPresent()) {
            return Optional.of("layer " + layer + " is [" + target.type() + "]: " + own.get());
        }
        for (int i = 0; i < layer; i++) {
            LayerSpec below = layers.get(i);
            Optional<String> reason = below.cannotDream(resized[i], false);
            if (reason.isPresent()) {
                return Optional.of("layer " + layer + " is above layer " + i + ", which is [" + below.type() + "]: "
                        + reason.get());
            }
        }
        return Optional.empty();
    }

    /**
     * Index of the last layer nightmare can target; every layer from 0 to it can be targeted
     * ({@link #untargetable}), none after it. −1 when not even layer 0 can.
     */
    public int lastTargetableLayer() {
        boolean resized = true;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec spec = layers.get(i);
            if (spec.cannotDream(resized, true).isPresent()) {
                return i - 1;
            }
            if (spec.cannotDream(resized, false).isPresent()) {
                return i;
            }
            resized &= !(spec instanceof AvgpoolSpec);
        }
        return layers.size() - 1;
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= layers.size()) {
            throw new ShapeException(
                    "layer " + layer + " is out of range; " + source + " has layers 0.." + (layers.size() - 1));
        }
    }
}
