package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.JobService;
import dev.nightmare.gateway.service.Links;
import dev.nightmare.gateway.service.VideoService;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /v1/nightmares/{id}/video}: a job's rounds as one video, downloadable like a round. */
@Path(Links.BASE + "/{id}/video")
@Tag(name = "nightmares")
@SecurityRequirement(name = "apiKey")
public class VideoResource {
    private final VideoService videos;
    private final CurrentCaller caller;

    public VideoResource(VideoService videos, CurrentCaller caller) {
        this.videos = videos;
        this.caller = caller;
    }

    @GET
    @Produces({"video/mp4", "image/gif", MediaType.APPLICATION_JSON})
    @Operation(
            summary = "The job's video (options.animate), streamed from S3 once the job succeeded; with"
                    + " presigned=true a short-lived URL")
    @APIResponse(
            responseCode = "200",
            content = {
                @Content(mediaType = "video/mp4", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = "image/gif", schema = @Schema(type = SchemaType.STRING, format = "binary"))
            })
    @APIResponse(responseCode = "404", description = "no such job, no video asked for, or not made (yet)")
    public Response video(
            @PathParam("id") String id, @QueryParam("presigned") @DefaultValue("false") boolean presigned) {
        if (presigned) {
            JobService.PresignedUrl url = videos.presign(caller.get(), id);
            return Response.ok(Map.of("url", url.url(), "expiresInSeconds", url.expiresInSeconds()))
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .build();
        }
        VideoService.Video video = videos.video(caller.get(), id);
        Response.ResponseBuilder response = Response.ok(video.object().body())
                .type(video.mediaType())
                .header("Content-Disposition", "attachment; filename=\"" + video.fileName() + "\"")
                .header("Cache-Control", "private, max-age=3600");
        if (video.object().size() >= 0) {
            response.header("Content-Length", video.object().size());
        }
        return response.build();
    }
}
