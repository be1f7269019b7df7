package dev.nightmare.gateway.rest;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ErrorBody;
import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.BusUnavailableException;
import dev.nightmare.gateway.service.ModelStoreUnavailableException;
import dev.nightmare.gateway.service.StorageUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps failures to {@link ErrorBody} responses; outages of S3, Kafka or the model-store are 503 with Retry-After. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(e.status(), e.getMessage(), e.problems()));
        if (e.retryAfterSeconds() > 0) {
            response.header("Retry-After", e.retryAfterSeconds());
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response storage(StorageUnavailableException e) {
        LOG.warn(e.getMessage());
        return unavailable("storage (S3) is unavailable; retry later");
    }

    @ServerExceptionMapper
    public Response bus(BusUnavailableException e) {
        LOG.warn(e.getMessage());
        return unavailable("the job queue (Kafka) is unavailable; retry later");
    }

    @ServerExceptionMapper
    public Response models(ModelStoreUnavailableException e) {
        LOG.warn(e.getMessage());
        return unavailable("the model-store is unavailable; retry later");
    }

    /**
     * A request body that cannot be read (a multipart body with the wrong boundary, cut short) is
     * the client's error: 400, not the 500 the framework answers by default. The service's own I/O
     * (S3, Kafka) reaches here wrapped in the unavailable exceptions above, never as a bare IOException.
     */
    @ServerExceptionMapper
    public Response unreadableBody(IOException e) {
        LOG.debugf("unreadable request body: %s", e.toString());
        return Response.status(400)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(
                        400, "the request body could not be read: malformed multipart or cut short", List.of()))
                .build();
    }

    @ServerExceptionMapper
    public Response contract(ContractException e) {
        LOG.error("stored job document violates its contract: " + e.getMessage());
        return Response.status(500)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(500, "a stored job document is unreadable", List.of()))
                .build();
    }

    /**
     * The framework's own refusals (an unknown path, a wrong method, a body type no endpoint takes,
     * a missing Accept match) keep their status, with a body in the one format that says what
     * would be right.
     */
    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        Response given = e.getResponse();
        if (given.hasEntity()) {
            return given;
        }
        int status = given.getStatus();
        String title = switch (status) {
            case 404 -> "no such resource; the API is under /v1 (see /q/openapi)";
            case 405 -> "this method is not allowed here; see /q/openapi for the API's methods";
            case 406 -> "cannot answer in the media type asked for; accept application/json";
            case 415 -> "unsupported Content-Type; submit multipart/form-data (image, options) or application/json";
            default -> given.getStatusInfo().getReasonPhrase();
        };
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(status, title, List.of()))
                .build();
    }

    /** Anything unexpected: a 500 that names no class, trace or path (the log has them). */
    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected failure answering a request", e);
        return Response.status(500)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(500, "the gateway failed unexpectedly; the failure is logged", List.of()))
                .build();
    }

    private static Response unavailable(String title) {
        return Response.status(503)
                .header("Retry-After", 5)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(503, title, List.of()))
                .build();
    }
}
