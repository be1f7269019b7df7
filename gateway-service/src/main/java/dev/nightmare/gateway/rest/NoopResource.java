package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code POST /v1/noop}: authenticates, reads the body, does nothing, answers 202. The load
 * benchmark measures it next to {@code POST /v1/nightmares} as the service's own floor. Not part of
 * the production API: it answers 404, and is not in the OpenAPI document, unless {@code
 * nightmare.bench.noop-enabled} is true (the tests' profile and the benchmark set it).
 */
@Path("/v1/noop")
public class NoopResource {
    private final CurrentCaller caller;
    private final boolean enabled;

    public NoopResource(
            CurrentCaller caller,
            @ConfigProperty(name = "nightmare.bench.noop-enabled", defaultValue = "false") boolean enabled) {
        this.caller = caller;
        this.enabled = enabled;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Response noop(byte[] body) {
        if (!enabled) {
            throw ApiException.of(404, "no such endpoint: POST /v1/noop");
        }
        caller.get();
        return Response.accepted(Map.of("bytes", body == null ? 0 : body.length))
                .build();
    }
}
