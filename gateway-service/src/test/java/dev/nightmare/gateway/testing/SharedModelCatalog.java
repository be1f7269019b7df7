package dev.nightmare.gateway.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.gateway.service.ModelCatalog;
import io.quarkus.test.Mock;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Unit-test stand-in for the model-store: the cfgs in ../shared/models, versioned by their cfg's SHA-256. */
@Mock
@ApplicationScoped
public class SharedModelCatalog implements ModelCatalog {
    public static final List<String> NAMES = List.of("tiny", "vgg-conv", "jnet-conv");

    public static Path models() {
        return Path.of(System.getProperty("nightmare.shared.dir", "../../shared"))
                .resolve("models");
    }

    @Override
    public List<ModelInfo> list() {
        return NAMES.stream().map(this::find).flatMap(Optional::stream).toList();
    }

    @Override
    public Optional<ModelInfo> find(String name) {
        if (!NAMES.contains(name)) {
            return Optional.empty();
        }
        String cfg = cfg(name);
        NetworkSpec spec = NetworkSpec.parse(name + ".cfg", cfg, w -> {});
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        metadata.put("name", name);
        metadata.put("sha256", sha256(cfg));
        metadata.put("lastTargetableLayer", spec.lastTargetableLayer());
        // As the model-store describes them: the real tiny model, the big cfgs on synthetic weights.
        metadata.put("synthetic", !name.equals("tiny"));
        if (name.equals("tiny")) {
            metadata.put("displayName", "Tiny ImageNet classifier");
            metadata.put("description", "darknet's tiny classifier, trained on ImageNet");
            metadata.putArray("suggestedLayers").add(10).add(13);
        }
        var layers = metadata.putArray("layers");
        for (int i = 0; i < spec.layers().size(); i++) {
            layers.addObject()
                    .put("index", i)
                    .put("type", spec.layers().get(i).getClass().getSimpleName());
        }
        return Optional.of(new ModelInfo(name, sha256(cfg), spec.lastTargetableLayer(), metadata));
    }

    @Override
    public NetworkSpec spec(ModelInfo model) {
        return NetworkSpec.parse(model.name() + ".cfg", cfg(model.name()), w -> {});
    }

    private static String cfg(String name) {
        try {
            return Files.readString(models().resolve(name + ".cfg"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
