package dev.nightmare.modelstore.rest;

import dev.nightmare.contracts.ErrorBody;
import dev.nightmare.modelstore.config.ModelStoreConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Bearer-token access to {@code /v1}: reads need a service or admin token, writes an admin token
 * (401 without or with an unknown token, 403 for a service token on a write). Tokens are compared
 * as SHA-256 digests with {@link MessageDigest#isEqual}, against every configured token, so the
 * time taken says nothing about how much of a token matched or which one. Off when
 * {@code nightmare.model-store.auth.enabled=false}.
 */
@Provider
@jakarta.annotation.Priority(Priorities.AUTHENTICATION)
public class TokenAuthFilter implements ContainerRequestFilter {
    @Inject
    Tokens tokens;

    /**
     * The configured tokens as digests: a lazily created bean because filters are built before
     * config mappings can be read. Used only through methods (it is reached through a client proxy).
     */
    @ApplicationScoped
    static class Tokens {
        private boolean enabled;
        private List<byte[]> serviceDigests = List.of();
        private List<byte[]> adminDigests = List.of();

        @Inject
        ModelStoreConfig config;

        @jakarta.annotation.PostConstruct
        void init() {
            enabled = config.auth().enabled();
            serviceDigests = digests(config.auth().serviceTokens().orElse(List.of()));
            adminDigests = digests(config.auth().adminTokens().orElse(List.of()));
        }

        boolean enabled() {
            return enabled;
        }

        boolean isAdmin(byte[] presented) {
            return anyEqual(adminDigests, presented);
        }

        boolean isService(byte[] presented) {
            return anyEqual(serviceDigests, presented);
        }
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (!tokens.enabled() || !request.getUriInfo().getPath().startsWith("/v1")) {
            return;
        }
        boolean write = !HttpMethod.GET.equals(request.getMethod()) && !HttpMethod.HEAD.equals(request.getMethod());
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            request.abortWith(deny(401, "send Authorization: Bearer <token>"));
            return;
        }
        byte[] presented = sha256(header.substring(7).strip());
        boolean admin = tokens.isAdmin(presented);
        boolean service = tokens.isService(presented);
        if (!admin && !service) {
            request.abortWith(deny(401, "the bearer token is not valid"));
        } else if (write && !admin) {
            request.abortWith(deny(403, "uploading models needs an admin token"));
        }
    }

    private static Response deny(int status, String message) {
        Response.ResponseBuilder response = Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(status, message, List.of()));
        if (status == 401) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"model-store\"");
        }
        return response.build();
    }

    /** Checks every digest (no early exit): constant time in which token matched. */
    private static boolean anyEqual(List<byte[]> digests, byte[] presented) {
        boolean found = false;
        for (byte[] digest : digests) {
            found |= MessageDigest.isEqual(digest, presented);
        }
        return found;
    }

    private static List<byte[]> digests(List<String> tokens) {
        return tokens.stream()
                .map(String::strip)
                .filter(t -> !t.isEmpty())
                .map(TokenAuthFilter::sha256)
                .toList();
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
