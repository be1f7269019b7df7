package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ObjectStore;
import jakarta.ws.rs.core.Response;

/** A round image as a download: its type, length and a file name a browser or chat app keeps. */
final class RoundDownload {
    private RoundDownload() {}

    static Response of(ObjectStore.StoredObject image, String jobId, int round, String cacheControl) {
        String extension = "image/png".equals(image.contentType()) ? "png" : "jpg";
        Response.ResponseBuilder response = Response.ok(image.body())
                .type(image.contentType())
                .header("Cache-Control", cacheControl)
                .header(
                        "Content-Disposition",
                        "inline; filename=\"nightmare-" + jobId + "-round-" + round + "." + extension + "\"");
        if (image.size() >= 0) {
            response.header("Content-Length", image.size());
        }
        return response.build();
    }
}
