package dev.nightmare.gateway.rest;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.ImageFetcher;
import dev.nightmare.gateway.service.JobSubmitter.Submission;
import dev.nightmare.gateway.service.OptionsParser;
import dev.nightmare.gateway.webhooks.WebhookEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.resteasy.reactive.server.multipart.FormValue;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

/**
 * A submission's body, multipart or JSON, read into a {@link Submission} the same way: exactly one
 * {@code image} (a file part, or base64 text in JSON), at most one {@code options}, one {@code
 * callbackUrl} and one {@code webhookEvents} (its filter, {@link WebhookEvent}), nothing else; a
 * part given twice, a part nobody asked for, options with anything after their JSON, a {@code
 * callbackUrl} that is not text, or a filter naming an unknown event or given without a {@code
 * callbackUrl} are 400 naming the part and what would be right, never silently reduced to
 * something else.
 */
final class SubmissionForms {
    static final Set<String> PARTS = Set.of("image", "options", "callbackUrl", WebhookEvent.FIELD);
    /** An options part is a few hundred bytes; a file part holding them is read up to this. */
    private static final int MAX_OPTIONS_BYTES = 64 * 1024;

    private final long maxUploadBytes;
    /** JSON bodies: as strict as the contracts, with room for the base64 image. */
    private final ObjectMapper bodies;

    private final ImageFetcher fetcher;

    /** A preset named without a model is this model's (the operator's default), if any. */
    private final Optional<String> defaultModel;

    SubmissionForms(long maxUploadBytes, ImageFetcher fetcher, Optional<String> defaultModel) {
        this.maxUploadBytes = maxUploadBytes;
        this.fetcher = fetcher;
        this.defaultModel = defaultModel;
        this.bodies = ContractJson.mapper();
        bodies.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32)
                        .maxStringLength(base64Length(maxUploadBytes))
                        .build());
    }

    /** Characters of MIME base64 (76-character lines) for {@code bytes}, with room to spare. */
    static int base64Length(long bytes) {
        long plain = (bytes + 2) / 3 * 4;
        return (int) Math.min(Integer.MAX_VALUE, plain + plain / 38 + 1024);
    }

    Submission fromMultipart(MultipartFormDataInput form) {
        Map<String, Collection<FormValue>> parts = form.getValues();
        for (Map.Entry<String, Collection<FormValue>> part : parts.entrySet()) {
            if (!PARTS.contains(part.getKey())) {
                throw ApiException.field(
                        400,
                        part.getKey(),
                        "'" + part.getKey() + "' is not a part of a submission; send image, options and"
                                + " optionally callbackUrl and webhookEvents");
            }
            if (part.getValue().size() > 1) {
                throw ApiException.field(
                        400,
                        part.getKey(),
                        part.getValue().size() + " '" + part.getKey() + "' parts were sent; send exactly one");
            }
        }
        FormValue image = one(parts, "image");
        byte[] fetched = null;
        if (image != null && !image.isFileItem()) {
            String text = text(image, "image");
            if (text == null || !ImageText.isWebUrl(text)) {
                throw ApiException.field(
                        400, "image", "image must be a file part (-F image=@photo.png) or an http(s) URL, not text");
            }
            fetched = fetcher.fetch(text.strip());
        }
        JobOptions options = OptionsParser.parse(text(one(parts, "options"), "options"), defaultModel);
        String callbackUrl = blankToNull(text(one(parts, "callbackUrl"), "callbackUrl"));
        List<String> webhookEvents = webhookEvents(
                WebhookEvent.parse(text(one(parts, WebhookEvent.FIELD), WebhookEvent.FIELD)), callbackUrl);
        byte[] bytes = fetched != null ? fetched : image == null ? new byte[0] : read(image);
        return new Submission(bytes, options, callbackUrl, webhookEvents);
    }

    Submission fromJson(String body) {
        JsonNode tree;
        try {
            tree = bodies.readTree(body == null ? "" : body);
        } catch (StreamConstraintsException e) {
            if (String.valueOf(e.getMessage()).startsWith("String value length")) {
                throw ApiException.field(
                        413, "image", "image is larger than the " + maxUploadBytes + " bytes accepted");
            }
            throw ApiException.of(400, "the body is not valid JSON: it nests too deeply or is too long");
        } catch (IOException e) {
            throw ApiException.of(400, "the body is not valid JSON (one object, nothing after it)");
        }
        if (tree == null || !tree.isObject()) {
            throw ApiException.of(400, "the body must be a JSON object with image, options and optionally callbackUrl");
        }
        tree.fieldNames().forEachRemaining(name -> {
            if (!PARTS.contains(name)) {
                throw ApiException.field(
                        400,
                        name,
                        "'" + name + "' is not a field of a submission; send image, options, callbackUrl,"
                                + " webhookEvents");
            }
        });
        JobOptions options = OptionsParser.parse(tree.get("options"), defaultModel);
        JsonNode image = tree.get("image");
        if (image == null || !image.isTextual()) {
            throw ApiException.field(422, "image", "image is missing; send the file as base64 text");
        }
        byte[] bytes = ImageText.decode(image.textValue(), fetcher);
        JsonNode callback = tree.get("callbackUrl");
        if (callback != null && !callback.isNull() && !callback.isTextual()) {
            throw ApiException.field(
                    400,
                    "callbackUrl",
                    "callbackUrl is " + callback.getNodeType().name().toLowerCase() + "; expected a URL as a string");
        }
        String callbackUrl = blankToNull(callback == null || callback.isNull() ? null : callback.textValue());
        List<String> webhookEvents = webhookEvents(WebhookEvent.parse(tree.get(WebhookEvent.FIELD)), callbackUrl);
        return new Submission(bytes, options, callbackUrl, webhookEvents);
    }

    /** A filter means nothing without a webhook to filter: say so rather than ignore it. */
    private static List<String> webhookEvents(List<String> filter, String callbackUrl) {
        if (filter != null && callbackUrl == null) {
            throw ApiException.field(
                    400,
                    WebhookEvent.FIELD,
                    "webhookEvents chooses which events go to callbackUrl, but no callbackUrl was sent");
        }
        return filter;
    }

    private static FormValue one(Map<String, Collection<FormValue>> parts, String name) {
        Collection<FormValue> values = parts.get(name);
        return values == null || values.isEmpty() ? null : values.iterator().next();
    }

    /** A text part, or the contents of a small file part sent in its place. */
    private static String text(FormValue part, String name) {
        if (part == null) {
            return null;
        }
        if (!part.isFileItem()) {
            return part.getValue();
        }
        try {
            if (part.getFileItem().getFileSize() > MAX_OPTIONS_BYTES) {
                throw ApiException.field(413, name, name + " is larger than " + MAX_OPTIONS_BYTES + " bytes");
            }
            try (var in = part.getFileItem().getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] read(FormValue image) {
        try {
            long size = image.getFileItem().getFileSize();
            if (size > maxUploadBytes) {
                throw ApiException.field(
                        413, "image", "image is " + size + " bytes; at most " + maxUploadBytes + " are accepted");
            }
            try (var in = image.getFileItem().getInputStream()) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
