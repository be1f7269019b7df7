package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiKeys;
import dev.nightmare.gateway.service.Caller;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code /v1/} request needs {@code Authorization: Bearer <key>} with a configured key;
 * otherwise 401. Health, metrics, OpenAPI and the web page are outside {@code /v1/} and stay open.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class ApiKeyFilter implements ContainerRequestFilter {
    private final ApiKeys keys;
    private final CurrentCaller current;

    public ApiKeyFilter(ApiKeys keys, CurrentCaller current) {
        this.keys = keys;
        this.current = current;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1/") && !path.equals("/v1")) {
            return;
        }
        Optional<Caller> caller = keys.authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (caller.isEmpty()) {
            request.abortWith(Response.status(401)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"nightmare\"")
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(Map.of(
                            "status",
                            401,
                            "title",
                            "a valid API key is required: Authorization: Bearer <key>",
                            "errors",
                            java.util.List.of()))
                    .build());
            return;
        }
        current.set(caller.get());
    }
}
