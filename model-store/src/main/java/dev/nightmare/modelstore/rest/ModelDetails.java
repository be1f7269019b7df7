package dev.nightmare.modelstore.rest;

import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.LayerSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.modelstore.ModelEntry;
import dev.nightmare.modelstore.ModelVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /v1/models/{name}} (and {@code .../versions/{sha256}}): the summary fields plus the
 * layer table with each layer's output shape for a {@link #REFERENCE_SIZE}² input, so the gateway
 * can validate requests without the weights.
 */
public record ModelDetails(
        String name,
        String displayName,
        String description,
        String sha256,
        String cfgSha256,
        String weightsSha256,
        Integer layerCount,
        Long parameterCount,
        Long weightsBytes,
        List<Integer> suggestedLayers,
        Boolean synthetic,
        String status,
        String reason,
        Integer lastTargetableLayer,
        Size referenceInput,
        List<Layer> layers,
        List<String> versions) {

    /** The input size the layer table's output shapes are computed for. */
    public static final int REFERENCE_SIZE = 256;

    /** A width × height. */
    public record Size(int width, int height) {}

    /** An output shape (darknet's planar c×h×w). */
    public record Output(int channels, int height, int width) {}

    /** One layer; fields that the layer type does not have are null. */
    public record Layer(
            int index,
            String type,
            Integer filters,
            Integer size,
            Integer stride,
            Integer padding,
            String activation,
            Boolean batchNormalize,
            Output output) {}

    static ModelDetails of(ModelEntry entry, List<String> versions) {
        if (!entry.isReady()) {
            ModelSummary s = ModelSummary.of(entry);
            return new ModelDetails(
                    s.name(),
                    s.displayName(),
                    s.description(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    List.of(),
                    null,
                    s.status(),
                    s.reason(),
                    null,
                    null,
                    List.of(),
                    versions);
        }
        return of(entry.current(), "ready", versions);
    }

    static ModelDetails of(ModelVersion v, String status, List<String> versions) {
        ModelSummary s = ModelSummary.of(v, status);
        return new ModelDetails(
                s.name(),
                s.displayName(),
                s.description(),
                s.sha256(),
                s.cfgSha256(),
                s.weightsSha256(),
                s.layerCount(),
                s.parameterCount(),
                s.weightsBytes(),
                s.suggestedLayers(),
                s.synthetic(),
                s.status(),
                null,
                v.spec().lastTargetableLayer(),
                new Size(REFERENCE_SIZE, REFERENCE_SIZE),
                layers(v.spec()),
                versions);
    }

    /** Each layer's own shape rule ({@link LayerSpec#outputShape}) applied in order from 3×256×256. */
    static List<Layer> layers(NetworkSpec spec) {
        List<Layer> layers = new ArrayList<>();
        Shape in = new Shape(spec.channels(), REFERENCE_SIZE, REFERENCE_SIZE);
        for (int i = 0; i < spec.size(); i++) {
            LayerSpec layer = spec.layer(i);
            Shape out = layer.outputShape(in);
            Output output = new Output(out.channels(), out.height(), out.width());
            layers.add(
                    switch (layer) {
                        case ConvolutionalSpec c ->
                            new Layer(
                                    i,
                                    c.type(),
                                    c.filters(),
                                    c.size(),
                                    c.stride(),
                                    c.padding(),
                                    c.activation().cfgName(),
                                    c.batchNormalize(),
                                    output);
                        case MaxpoolSpec m ->
                            new Layer(i, m.type(), null, m.size(), m.stride(), m.padding(), null, null, output);
                        default -> new Layer(i, layer.type(), null, null, null, null, null, null, output);
                    });
            in = out;
        }
        return layers;
    }
}
