package dev.nightmare.engine.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * A network with its weights, ready to hand to a backend. {@code weights.get(i)} belongs to layer
 * {@code i} and is null for layers without parameters.
 *
 * @param name the cfg's base name (darknet {@code basecfg}), used in output file names
 * @param spec the parsed cfg
 * @param weights (layers) per-layer parameters or null
 * @param sha256 the model version: hex SHA-256 of the cfg file's bytes followed by the weights
 *     file's ({@code cat x.cfg x.weights | sha256sum}); jobs pin it
 */
public record Model(String name, NetworkSpec spec, List<ConvolutionalWeights> weights, String sha256) {

    /** Parses and validates a cfg + weights pair from files. */
    public static Model load(Path cfg, Path weights, Consumer<String> warnings) throws IOException {
        return load(cfg, weights, warnings, warnings);
    }

    /**
     * Parses and validates a cfg + weights pair, the cfg's unused keys reported as {@link
     * NetworkSpec#read(Path, Consumer, Consumer)} does: {@code [net]} settings apart.
     */
    public static Model load(Path cfg, Path weights, Consumer<String> warnings, Consumer<String> netSettings)
            throws IOException {
        NetworkSpec spec = NetworkSpec.read(cfg, warnings, netSettings);
        List<ConvolutionalWeights> params = WeightsReader.read(spec, weights);
        return new Model(baseName(cfg.getFileName().toString()), spec, params, sha256(cfg, weights));
    }

    /** darknet {@code basecfg}: the file name cut at its first '.'. */
    public static String baseName(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** Hex SHA-256 of the files' bytes, one after the other. */
    public static String sha256(Path... files) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public ConvolutionalWeights convolutional(int layer) {
        return weights.get(layer);
    }
}
