package dev.nightmare.modelstore.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.ModelNames;
import dev.nightmare.engine.cfg.CfgParser;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import dev.nightmare.engine.model.WeightsReader;
import dev.nightmare.modelstore.InvalidModelException;
import dev.nightmare.modelstore.ModelMetadata;
import dev.nightmare.modelstore.ModelVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads a model's cfg, weights and optional metadata as streams, validates them with the engine's
 * rules and computes their SHA-256s in the same single pass, optionally copying the bytes into a
 * directory. The weights are never held in memory: they pass through a 256 KiB buffer, and their
 * length is checked against the cfg exactly as {@link WeightsReader} checks it.
 */
public final class ModelValidator {
    private static final int BUFFER_BYTES = 1 << 18;
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ModelValidator() {}

    /** The three inputs of a model; {@code metadata} may be null. */
    public interface Inputs {
        InputStream cfg() throws IOException;

        InputStream weights() throws IOException;

        /** Null when the model has no {@code NAME.json}. */
        InputStream metadata() throws IOException;
    }

    /** Inputs read from files; {@code metadata} may be null or missing. */
    public static Inputs files(Path cfg, Path weights, Path metadata) {
        return new Inputs() {
            @Override
            public InputStream cfg() throws IOException {
                return Files.newInputStream(cfg);
            }

            @Override
            public InputStream weights() throws IOException {
                return Files.newInputStream(weights);
            }

            @Override
            public InputStream metadata() throws IOException {
                return metadata != null && Files.exists(metadata) ? Files.newInputStream(metadata) : null;
            }
        };
    }

    /**
     * Validates {@code name}'s files and, when {@code copyTo} is not null, writes them there as
     * {@code NAME.cfg}, {@code NAME.weights}, {@code NAME.json} (the returned version points at the
     * copies; otherwise at nothing useful: pass the files' own paths via {@link #files}).
     *
     * @throws InvalidModelException with the reason when the model cannot be served
     * @throws IOException when a stream cannot be read or a copy written
     */
    public static ModelVersion validate(String name, Inputs inputs, Path copyTo, Consumer<String> warnings)
            throws InvalidModelException, IOException {
        Optional<String> badName = ModelNames.problem(name);
        if (badName.isPresent()) {
            throw new InvalidModelException(badName.get());
        }
        String cfgName = name + ".cfg";
        String weightsName = name + ".weights";

        // 1. The cfg: small (the parser's own limit), read whole and parsed.
        byte[] cfgBytes;
        try (InputStream in = inputs.cfg()) {
            cfgBytes = in.readNBytes(CfgParser.MAX_CFG_CHARS + 1);
        }
        if (cfgBytes.length > CfgParser.MAX_CFG_CHARS) {
            throw new InvalidModelException(cfgName + " is larger than " + CfgParser.MAX_CFG_CHARS + " bytes");
        }
        NetworkSpec spec;
        try {
            spec = NetworkSpec.parse(cfgName, new String(cfgBytes, StandardCharsets.UTF_8), warnings);
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(e.getMessage());
        }

        // 2. Metadata (optional), checked against the cfg.
        byte[] metadataBytes = null;
        ModelMetadata metadata = ModelMetadata.defaults(name);
        try (InputStream in = inputs.metadata()) {
            if (in != null) {
                metadataBytes = in.readNBytes(1 << 20);
                metadata = parseMetadata(name, metadataBytes, spec);
            }
        }

        // 3. The weights, streamed: one pass computes both digests, the length and the header.
        MessageDigest modelDigest = sha256();
        modelDigest.update(cfgBytes);
        MessageDigest weightsDigest = sha256();
        byte[] header = new byte[12];
        long length = 0;
        Path weightsCopy = copyTo == null ? null : copyTo.resolve(weightsName);
        try (InputStream in = inputs.weights();
                OutputStream out =
                        weightsCopy == null ? OutputStream.nullOutputStream() : Files.newOutputStream(weightsCopy)) {
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (length < header.length) {
                    System.arraycopy(buffer, 0, header, (int) length, (int) Math.min(n, header.length - length));
                }
                modelDigest.update(buffer, 0, n);
                weightsDigest.update(buffer, 0, n);
                out.write(buffer, 0, n);
                length += n;
            }
        }
        if (length < 16) {
            throw new InvalidModelException(
                    weightsName + " is " + length + " bytes: too short for a darknet weights header (at least 16)");
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int major = h.getInt(0);
        int minor = h.getInt(4);
        long expected = WeightsReader.expectedBytes(spec, major, minor);
        if (length != expected) {
            throw new InvalidModelException(
                    weightsName + " is " + length + " bytes but " + cfgName + " needs " + expected
                            + " (" + WeightsReader.headerBytes(major, minor) + "-byte header + " + spec.weightFloats()
                            + " floats): " + (length < expected ? "truncated" : "too long") + " or for another cfg");
        }

        Path cfgFile = null;
        if (copyTo != null) {
            cfgFile = copyTo.resolve(cfgName);
            Files.write(cfgFile, cfgBytes);
            if (metadataBytes != null) {
                Files.write(copyTo.resolve(name + ".json"), metadataBytes);
            }
        }
        HexFormat hex = HexFormat.of();
        String weightsSha256 = hex.formatHex(weightsDigest.digest());
        boolean synthetic = length == SyntheticWeights.bytes(spec) && SyntheticWeights.isSynthetic(spec, weightsSha256);
        return new ModelVersion(
                name,
                hex.formatHex(modelDigest.digest()),
                hex.formatHex(sha256().digest(cfgBytes)),
                weightsSha256,
                cfgFile,
                weightsCopy,
                length,
                metadata,
                spec,
                synthetic);
    }

    static ModelMetadata parseMetadata(String name, byte[] json, NetworkSpec spec) throws InvalidModelException {
        ModelMetadata metadata;
        try {
            metadata = JSON.readValue(json, ModelMetadata.class);
        } catch (JacksonException e) {
            throw new InvalidModelException(name + ".json is not valid metadata JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidModelException(name + ".json cannot be read: " + e.getMessage());
        }
        if (metadata == null) {
            throw new InvalidModelException(name + ".json is empty; expected an object");
        }
        int last = spec.lastTargetableLayer();
        for (Integer layer : metadata.suggestedLayers()) {
            if (layer == null || layer < 0 || layer > last) {
                throw new InvalidModelException(name + ".json suggests layer " + layer
                        + "; nightmare can target layers 0.." + last + " of " + name + ".cfg");
            }
        }
        return metadata.withDefaults(name);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
