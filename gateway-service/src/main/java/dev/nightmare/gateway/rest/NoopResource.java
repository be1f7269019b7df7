package dev.nightmare.gateway.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /v1/noop}: authenticates, reads the body, does nothing, answers 202. The load
 * benchmark measures it next to {@code POST /v1/nightmares} as the service's own floor.
 */
@Path("/v1/noop")
@Tag(name = "benchmark")
public class NoopResource {
    private final CurrentCaller caller;

    public NoopResource(CurrentCaller caller) {
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Reference endpoint for load tests: same auth and body handling, no work")
    public Response noop(byte[] body) {
        caller.get();
        return Response.accepted(Map.of("bytes", body == null ? 0 : body.length))
                .build();
    }
}
