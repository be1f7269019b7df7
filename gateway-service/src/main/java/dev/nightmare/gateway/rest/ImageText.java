package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.ImageFetcher;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code image} field of a JSON submission: the file as base64, a {@code data:} URL with a
 * base64 payload (what browsers' FileReader and many bots produce), or an http(s) URL the gateway
 * fetches ({@link ImageFetcher}, allow-listed hosts only). A URL of any other scheme is named as
 * such instead of failing as "not an image".
 */
final class ImageText {
    private static final Pattern OTHER_URL = Pattern.compile("(?i)[a-z][a-z0-9+.-]{1,15}://");

    private ImageText() {}

    /** Whether {@code text} is an http or https URL (the image by URL). */
    static boolean isWebUrl(String text) {
        String t = text.strip();
        return t.regionMatches(true, 0, "http://", 0, 7) || t.regionMatches(true, 0, "https://", 0, 8);
    }

    static byte[] decode(String text, ImageFetcher fetcher) {
        String trimmed = text.strip();
        if (trimmed.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = trimmed.indexOf(',');
            String meta = comma < 0 ? "" : trimmed.substring(5, comma).toLowerCase(Locale.ROOT);
            if (!meta.endsWith(";base64")) {
                throw ApiException.field(
                        400,
                        "image",
                        "image is a data: URL without ;base64; send data:image/png;base64,<the file as base64>"
                                + " or the base64 text alone");
            }
            return base64(trimmed.substring(comma + 1));
        }
        if (isWebUrl(trimmed)) {
            return fetcher.fetch(trimmed);
        }
        if (OTHER_URL.matcher(trimmed).lookingAt()) {
            throw ApiException.field(
                    400,
                    "image",
                    "image is a URL of a scheme this gateway does not fetch; give an http(s) URL on its allow-list,"
                            + " the file as base64 text (or a data: URL), or upload it as multipart/form-data");
        }
        return base64(trimmed);
    }

    private static byte[] base64(String text) {
        try {
            return Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.field(400, "image", "image is not valid base64: " + e.getMessage());
        }
    }
}
