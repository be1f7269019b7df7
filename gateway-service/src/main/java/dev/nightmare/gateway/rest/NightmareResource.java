package dev.nightmare.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.gateway.config.DefaultsConfig;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.Caller;
import dev.nightmare.gateway.service.EventHub;
import dev.nightmare.gateway.service.EventId;
import dev.nightmare.gateway.service.EventView;
import dev.nightmare.gateway.service.ImageFetcher;
import dev.nightmare.gateway.service.JobService;
import dev.nightmare.gateway.service.JobSubmitter;
import dev.nightmare.gateway.service.JobView;
import dev.nightmare.gateway.service.Limits;
import dev.nightmare.gateway.service.Links;
import dev.nightmare.gateway.webhooks.WebhookEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

/** The nightmare job API, {@code /v1/nightmares}: thin — each method maps, calls {@link JobService}, maps. */
@Path(Links.BASE)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "nightmares", description = "Submit images, follow jobs, fetch round images")
@SecurityRequirement(name = "apiKey")
public class NightmareResource {
    private final JobService jobs;
    private final JobSubmitter submitter;
    private final Limits limits;
    private final EventHub hub;
    private final CurrentCaller caller;
    private final GatewayConfig config;
    private final ObjectMapper json = ContractJson.mapper();
    private final SubmissionForms forms;
    private final SubmissionAnswer answer;

    /** Sends SSE keep-alive comments for every open stream of this replica. */
    private static final ScheduledExecutorService KEEP_ALIVE = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("sse-keep-alive").daemon().factory());

    public NightmareResource(
            JobService jobs,
            JobSubmitter submitter,
            EventHub hub,
            Limits limits,
            CurrentCaller caller,
            GatewayConfig config,
            SubmissionAnswer answer,
            ImageFetcher fetcher,
            DefaultsConfig defaults) {
        this.jobs = jobs;
        this.limits = limits;
        this.submitter = submitter;
        this.hub = hub;
        this.caller = caller;
        this.config = config;
        this.answer = answer;
        this.forms = new SubmissionForms(
                config.limits().maxUploadBytes(), fetcher, defaults.model().filter(m -> !m.isBlank()));
    }

    /** A JSON submission: the image as base64, the options, an optional webhook. */
    @Schema(name = "JsonSubmission")
    public record JsonSubmission(
            @Schema(description = "the image file (PNG or JPEG) as base64", required = true)
            String image,

            @Schema(description = "the options; model and layer at least")
            JobOptions options,

            @Schema(description = "webhook URL; its host must be on the operator's allow-list")
            String callbackUrl,

            @Schema(description = WebhookEvent.DESCRIPTION) List<WebhookEvent> webhookEvents) {}

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(
            summary = "Submit an image (multipart: image file + options JSON, or JSON with the image as base64)",
            description = "Answers at once with the job (202), or with Prefer: wait when the job has ended (200)."
                    + " Model and layer may be left out: the operator's default model and its first recommended"
                    + " layer are used. Idempotency-Key makes a retried submission return the same job instead"
                    + " of a second one.")
    @APIResponse(
            responseCode = "200",
            description = "with Prefer: wait, the job ended within the wait: its final state and rounds",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(
            responseCode = "202",
            description = "accepted; Location names the job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(
            responseCode = "409",
            description = "the Idempotency-Key was used before with another image or other options")
    @APIResponse(responseCode = "400", description = "options malformed, one error per field")
    @APIResponse(responseCode = "413", description = "upload too large")
    @APIResponse(responseCode = "415", description = "not an image")
    @APIResponse(responseCode = "422", description = "cannot run: one error per field")
    @APIResponse(responseCode = "429", description = "rate or concurrent-job limit; see Retry-After")
    @APIResponse(responseCode = "503", description = "Kafka, S3 or the model-store unavailable; see Retry-After")
    public Response submitMultipart(
            @RequestBody(
                            content =
                                    @Content(
                                            mediaType = MediaType.MULTIPART_FORM_DATA,
                                            schema = @Schema(implementation = MultipartSubmission.class)))
                    MultipartFormDataInput form,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @Parameter(description = WAIT_DOC) @HeaderParam("Prefer") String prefer) {
        Caller who = caller.get();
        Optional<PreferWait.Requested> wait = PreferWait.parse(prefer);
        return answer.of(who, submitter.submit(who, forms.fromMultipart(form), idempotencyKey), wait);
    }

    /** The parts of a multipart submission, for the OpenAPI document. */
    @Schema(name = "MultipartSubmission")
    public record MultipartSubmission(
            @Schema(description = "the image file, PNG or JPEG", format = "binary", required = true)
            String image,

            @Schema(description = "options JSON, e.g. {\"model\":\"tiny\",\"layer\":12}")
            String options,

            @Schema(description = "webhook URL; its host must be on the operator's allow-list")
            String callbackUrl,

            @Schema(
                    description = WebhookEvent.DESCRIPTION + " Here the names separated by commas.",
                    example = "start,completed")
            String webhookEvents) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit an image (JSON with the image as base64)")
    @APIResponse(
            responseCode = "202",
            description = "accepted; Location names the job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    public Response submitJson(
            @RequestBody(
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON,
                                            schema = @Schema(implementation = JsonSubmission.class)))
                    String body,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @Parameter(description = WAIT_DOC) @HeaderParam("Prefer") String prefer) {
        Caller who = caller.get();
        Optional<PreferWait.Requested> wait = PreferWait.parse(prefer);
        return answer.of(who, submitter.submit(who, forms.fromJson(body), idempotencyKey), wait);
    }

    private static final String WAIT_DOC = "wait, or wait=N (seconds): answer when the job has ended (200) or"
            + " when the wait the server grants (at most nightmare.wait.max, 60 s by default) runs out (202);"
            + " Preference-Applied says what was granted";

    @GET
    @APIResponse(
            responseCode = "200",
            description = "one page of jobs",
            content = @Content(schema = @Schema(implementation = JobService.Page.class)))
    @APIResponse(responseCode = "400", description = "limit, after or state malformed")
    @Operation(
            summary = "The caller's jobs, newest first",
            description = "With state, only jobs in those states; a filtered page may hold fewer items than"
                    + " limit while next is set: follow next to the end.")
    public JobService.Page listJobs(
            @QueryParam("limit") @DefaultValue("20") @Parameter(description = "items per page, 1 to 100") String limit,
            @QueryParam("after") @Parameter(description = "cursor from the previous page's next") String after,
            @QueryParam("state")
                    @Parameter(
                            description = "only jobs in these states, comma-separated:"
                                    + " queued, running, succeeded, failed, canceled")
                    String state) {
        return jobs.list(
                caller.get(), QueryValues.integer("limit", limit, 1, 100), after, QueryValues.states("state", state));
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A job's state, progress, rounds, error, timings and run details")
    @APIResponse(
            responseCode = "200",
            description = "the job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "no such job for this API key")
    public JobView getJob(@PathParam("id") String id) {
        return jobs.view(caller.get(), id);
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @Operation(
            summary = "Server-sent events: 'state' (current state) first, then queued, started, progress, round,"
                    + " succeeded | failed | canceled",
            description = "Every event but 'state' has an id. A client that reconnects with Last-Event-ID gets the"
                    + " events after that one instead of 'state'; when the id is too old to resume from it gets"
                    + " 'state' first, as a new stream does. The stream ends after the final event.")
    @APIResponse(
            responseCode = "200",
            description = "the event stream; each event's data is one JSON object with its 'type'",
            content =
                    @Content(
                            mediaType = MediaType.SERVER_SENT_EVENTS,
                            schema = @Schema(implementation = EventView.class)))
    @APIResponse(responseCode = "404", description = "no such job for this API key")
    @APIResponse(responseCode = "429", description = "too many event streams open for this API key")
    public Multi<OutboundSseEvent> jobEvents(
            @PathParam("id") String id,
            @HeaderParam("Last-Event-ID")
                    @Parameter(description = "the id of the last event received, to resume after it")
                    String lastEventId,
            @Context Sse sse) {
        Caller who = caller.get();
        jobs.owned(who, id);
        AutoCloseable slot = limits.openEventStream(who.owner());
        EventRelay relay = new EventRelay(sse, json, config.events().progressIntervalMillis(), jobs::eventView);
        EventHub.Subscription subscription = hub.subscribe(id, EventId.parse(lastEventId), relay::offer);
        JobView snapshot;
        try {
            snapshot = jobs.view(who, id);
        } catch (RuntimeException e) {
            subscription.close();
            closeQuietly(slot);
            throw e;
        }
        return Multi.createFrom()
                .<OutboundSseEvent>emitter(emitter -> relay.attach(
                        emitter,
                        snapshot,
                        subscription.missed(),
                        KEEP_ALIVE,
                        config.events().keepAliveSeconds() * 1000L))
                .onTermination()
                .invoke(() -> {
                    relay.close();
                    subscription.close();
                    closeQuietly(slot);
                });
    }

    @GET
    @Path("{id}/rounds/{round}")
    @Produces({"image/jpeg", "image/png", MediaType.APPLICATION_JSON})
    @Operation(summary = "A round's image (streamed from S3), or with presigned=true a short-lived URL")
    @APIResponse(
            responseCode = "200",
            description = "the image; with presigned=true a JSON object with a short-lived S3 URL",
            content = {
                @Content(mediaType = "image/jpeg", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = "image/png", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(
                        mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = JobService.PresignedUrl.class))
            })
    @APIResponse(responseCode = "400", description = "round is not a whole number")
    @APIResponse(responseCode = "404", description = "no such job, or the round does not exist or is not stored yet")
    public Response getRound(
            @PathParam("id") String id,
            @PathParam("round") @Parameter(description = "the round, from 0") String roundParam,
            @QueryParam("presigned") @DefaultValue("false") boolean presigned) {
        Caller who = caller.get();
        int round = QueryValues.integer("round", roundParam, 0, Integer.MAX_VALUE);
        if (presigned) {
            JobService.PresignedUrl url = jobs.presignRound(who, id, round);
            return Response.ok(url).type(MediaType.APPLICATION_JSON_TYPE).build();
        }
        return RoundDownload.of(jobs.round(who, id, round), id, round, "private, max-age=3600");
    }

    @POST
    @Path("{id}/cancel")
    @Operation(
            summary = "Cancel: the worker stops within one iteration and the job ends canceled",
            description = "Idempotent. cancelRequested stays true once asked, also after the job has ended canceled.")
    @APIResponse(
            responseCode = "202",
            description = "the cancel is recorded; the job's state turns canceled when the worker stops",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(
            responseCode = "200",
            description = "the job had already ended; nothing changed",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "no such job for this API key")
    public Response cancelJob(@PathParam("id") String id) {
        JobService.Cancel cancel = jobs.cancel(caller.get(), id);
        return Response.status(cancel.recorded() ? 202 : 200)
                .entity(cancel.job())
                .build();
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete the job's input and outputs (a running job is canceled)")
    @APIResponse(responseCode = "204", description = "deleted")
    @APIResponse(responseCode = "404", description = "no such job for this API key")
    public Response deleteJob(@PathParam("id") String id) {
        jobs.delete(caller.get(), id);
        return Response.noContent().build();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // Unsubscribing from the in-memory hub cannot fail in a way that matters.
        }
    }
}
