package dev.nightmare.modelstore.rest;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.PathPart;

/**
 * Responses for an immutable file on local disk, sent zero-copy (the file is never read into the
 * heap): {@code ETag} = the file's SHA-256 (quoted), {@code If-None-Match} → 304, one
 * {@code Range: bytes=…} → 206 with {@code Content-Range} (several ranges → the whole file, as RFC
 * 9110 allows), an unsatisfiable range → 416.
 */
final class FileResponses {
    /** Header naming the model version (SHA-256 of cfg then weights) a file belongs to. */
    static final String MODEL_VERSION = "X-Model-Version";

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private FileResponses() {}

    static Response serve(
            Path file, long length, String sha256, String modelVersion, String contentType, HttpHeaders headers) {
        String etag = "\"" + sha256 + "\"";
        String ifNoneMatch = headers.getHeaderString(HttpHeaders.IF_NONE_MATCH);
        if (ifNoneMatch != null && matches(ifNoneMatch, sha256)) {
            return Response.notModified()
                    .header(HttpHeaders.ETAG, etag)
                    .header(MODEL_VERSION, modelVersion)
                    .build();
        }
        long start = 0;
        long end = length - 1;
        int status = 200;
        String range = headers.getHeaderString("Range");
        if (range != null && !range.contains(",")) {
            Matcher m = RANGE.matcher(range.strip());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                if (m.group(1).isEmpty()) {
                    // bytes=-N: the last N bytes.
                    long suffix = Long.parseLong(m.group(2));
                    start = Math.max(0, length - suffix);
                } else {
                    start = Long.parseLong(m.group(1));
                    if (!m.group(2).isEmpty()) {
                        end = Math.min(end, Long.parseLong(m.group(2)));
                    }
                }
                if (start >= length || start > end || (m.group(1).isEmpty() && Long.parseLong(m.group(2)) == 0)) {
                    return Response.status(416)
                            .header("Content-Range", "bytes */" + length)
                            .header(HttpHeaders.ETAG, etag)
                            .build();
                }
                status = 206;
            }
        }
        long count = end - start + 1;
        Response.ResponseBuilder response = Response.status(status)
                .entity(new PathPart(file, start, count))
                .type(contentType)
                .header(HttpHeaders.ETAG, etag)
                .header(MODEL_VERSION, modelVersion)
                .header("Accept-Ranges", "bytes")
                .header(HttpHeaders.CONTENT_LENGTH, count)
                .header(HttpHeaders.CACHE_CONTROL, "private, max-age=31536000, immutable");
        if (status == 206) {
            response.header("Content-Range", "bytes " + start + "-" + end + "/" + length);
        }
        return response.build();
    }

    /** RFC 9110 weak comparison against a list of entity tags or {@code *}. */
    static boolean matches(String ifNoneMatch, String sha256) {
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*")) {
                return true;
            }
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("\"" + sha256 + "\"")) {
                return true;
            }
        }
        return false;
    }
}
