package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;

/**
 * Strict JSON for every contract type: messages on Kafka and documents in S3. Reading checks the
 * size, then {@code schemaVersion}, then the shape (unknown fields, wrong types, trailing data and
 * nulls for numbers are errors), then the record's own rules; each failure is a {@link
 * ContractException} whose {@link ContractException.Reason} a worker can put on the dead-letter
 * record. Writing omits null fields and writes instants as ISO-8601 text.
 */
public final class ContractJson {
    /** Largest message on a topic: requests and events are a few hundred bytes. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private static final ObjectMapper MAPPER = mapper();

    private ContractJson() {}

    /** A mapper configured as this class reads and writes; for services that embed contract types. */
    public static ObjectMapper mapper() {
        JsonMapper mapper = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
        // "3" is not a number, 1 is not true and 3 is not a name: no silent coercion of scalars
        // (an integer for a float field is fine).
        for (LogicalType numeric : List.of(LogicalType.Integer, LogicalType.Float)) {
            mapper.coercionConfigFor(numeric)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32)
                        .maxStringLength(MAX_MESSAGE_BYTES)
                        .build());
        return mapper;
    }

    /** This class's own mapper, for the contract types' conversions (never reconfigure it). */
    static ObjectMapper shared() {
        return MAPPER;
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JobRequest readRequest(byte[] bytes) {
        return read(
                bytes,
                JobRequest.class,
                "nightmare request",
                JobRequest.OLDEST_SCHEMA_VERSION,
                JobRequest.SCHEMA_VERSION,
                JobRequest::problems);
    }

    public static JobEvent readEvent(byte[] bytes) {
        return read(
                bytes,
                JobEvent.class,
                "job event",
                JobEvent.OLDEST_SCHEMA_VERSION,
                JobEvent.SCHEMA_VERSION,
                JobEvent::problems);
    }

    public static JobStatus readStatus(byte[] bytes) {
        return read(
                bytes,
                JobStatus.class,
                "status.json",
                JobStatus.SCHEMA_VERSION,
                JobStatus.SCHEMA_VERSION,
                JobStatus::problems);
    }

    private static String versions(int oldest, int newest) {
        return oldest == newest ? "version " + newest : "versions " + oldest + " to " + newest;
    }

    /** A recipe's JSON line, as images carry it ({@link Recipe}). */
    public static Recipe readRecipe(byte[] bytes) {
        return read(bytes, Recipe.class, "recipe", Recipe.SCHEMA_VERSION, Recipe.SCHEMA_VERSION, Recipe::problems);
    }

    private static <T> T read(
            byte[] bytes, Class<T> type, String what, int oldest, int newest, Function<T, List<String>> problemsOf) {
        if (bytes == null || bytes.length == 0) {
            throw new ContractException(ContractException.Reason.MALFORMED, what + " is empty; expected JSON");
        }
        if (bytes.length > MAX_MESSAGE_BYTES) {
            throw new ContractException(
                    ContractException.Reason.OVERSIZED,
                    what + " is " + bytes.length + " bytes; at most " + MAX_MESSAGE_BYTES + " are accepted");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new ContractException(
                    ContractException.Reason.MALFORMED, what + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (tree == null || !tree.isObject()) {
            throw new ContractException(ContractException.Reason.MALFORMED, what + " is not a JSON object");
        }
        JsonNode schema = tree.get("schemaVersion");
        if (schema == null || schema.isNull()) {
            throw new ContractException(
                    ContractException.Reason.MISSING_SCHEMA_VERSION,
                    what + " has no schemaVersion; expected " + versions(oldest, newest));
        }
        if (!schema.isInt() || schema.intValue() < oldest || schema.intValue() > newest) {
            throw new ContractException(
                    ContractException.Reason.UNSUPPORTED_SCHEMA_VERSION,
                    what + " has schemaVersion " + schema + "; this service reads " + versions(oldest, newest));
        }
        T value;
        try {
            value = MAPPER.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new ContractException(
                    ContractException.Reason.MALFORMED,
                    what + " does not fit its schema: " + e.getOriginalMessage(),
                    e);
        }
        List<String> problems = problemsOf.apply(value);
        if (!problems.isEmpty()) {
            throw new ContractException(
                    ContractException.Reason.INVALID, what + " is invalid: " + String.join("; ", problems));
        }
        return value;
    }
}
