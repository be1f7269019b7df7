package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.JobService;
import dev.nightmare.gateway.service.ShareLinks;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * A round image by its share link (the {@code shareUrl} of a job's rounds): no API key, the link's
 * signature and expiry instead. Outside {@code /v1/}, so the key filter lets it through; a wrong,
 * tampered or expired link is 403 and says which it cannot tell apart.
 */
@Path("/shared/{id}/rounds/{round}")
public class SharedRoundResource {
    private final ShareLinks shares;
    private final JobService jobs;

    public SharedRoundResource(ShareLinks shares, JobService jobs) {
        this.shares = shares;
        this.jobs = jobs;
    }

    @GET
    @Produces({"image/jpeg", "image/png", MediaType.APPLICATION_JSON})
    @Operation(
            summary = "A round's image by its share link (no API key)",
            description = "The shareUrl of a job's rounds: works without the key until its expires time.")
    @APIResponse(
            responseCode = "200",
            description = "the image",
            content = {
                @Content(mediaType = "image/jpeg", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = "image/png", schema = @Schema(type = SchemaType.STRING, format = "binary"))
            })
    @APIResponse(responseCode = "403", description = "the link is not signed by this service, or it expired")
    @APIResponse(responseCode = "404", description = "the job or round is gone (deleted or expired from storage)")
    public Response sharedRound(
            @PathParam("id") String id,
            @PathParam("round") String roundParam,
            @QueryParam("expires") String expiresParam,
            @QueryParam("sig") String signature) {
        int round = QueryValues.integer("round", roundParam, 0, Integer.MAX_VALUE);
        long expires;
        try {
            expires = Long.parseLong(expiresParam == null ? "" : expiresParam);
        } catch (NumberFormatException e) {
            throw ApiException.field(
                    403, "expires", "this share link has no valid expires; use a job's shareUrl as given");
        }
        if (!shares.valid(id, round, expires, signature)) {
            throw ApiException.of(
                    403,
                    "this share link is expired or not signed by this service; read the job again for a fresh"
                            + " shareUrl");
        }
        // The link outlives nothing: the cache may keep the image only until the link expires.
        long maxAge = Math.max(0, expires - System.currentTimeMillis() / 1000);
        return RoundDownload.of(jobs.sharedRound(id, round), id, round, "public, max-age=" + maxAge);
    }
}
