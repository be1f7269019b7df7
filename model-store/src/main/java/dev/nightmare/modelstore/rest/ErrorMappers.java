package dev.nightmare.modelstore.rest;

import dev.nightmare.contracts.ErrorBody;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error in the one JSON format ({@link ErrorBody}), whoever raised it: the framework's own
 * (an unknown path, a wrong method or media type) keep their status with a body that says what was
 * wrong; anything unexpected is a 500 that names no class, trace or path (the log has them).
 */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        Response given = e.getResponse();
        if (given.hasEntity()) {
            return given;
        }
        int status = given.getStatus();
        String title = switch (status) {
            case 404 -> "no such resource; the API is under /v1/models (GET /v1/models lists the models)";
            case 405 -> "this method is not allowed here; see the OpenAPI document at /q/openapi";
            case 406 -> "cannot answer in the media type asked for (Accept)";
            case 415 -> "unsupported media type; uploads are multipart/form-data with parts cfg and weights";
            default -> given.getStatusInfo().getReasonPhrase();
        };
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(status, title, List.of()))
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected failure answering a request", e);
        return Response.status(500)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(500, "the model-store failed unexpectedly; the failure is logged", List.of()))
                .build();
    }
}
