package dev.nightmare.gateway.rest;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ErrorBody;
import dev.nightmare.gateway.service.ApiException;
import dev.nightmare.gateway.service.BusUnavailableException;
import dev.nightmare.gateway.service.ModelStoreUnavailableException;
import dev.nightmare.gateway.service.StorageUnavailableException;
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

    private static Response unavailable(String title) {
        return Response.status(503)
                .header("Retry-After", 5)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(503, title, List.of()))
                .build();
    }
}
