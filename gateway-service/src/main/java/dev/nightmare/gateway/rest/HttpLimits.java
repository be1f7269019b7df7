package dev.nightmare.gateway.rest;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.ErrorBody;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Limits of the HTTP layer, answered in the one JSON error format before any resource runs:
 *
 * <ul>
 *   <li>a body whose declared length exceeds {@code quarkus.http.limits.max-body-size}: 413 saying
 *       the limit (Vert.x's own answer has an empty body; a chunked body that grows past the limit
 *       is still cut by Vert.x);
 *   <li>a body that has not fully arrived {@code nightmare.limits.body-read-seconds} after its
 *       headers: 408, and the connection is closed, so a client that trickles a body cannot hold
 *       a connection for ever. (A connection silent for {@code quarkus.http.idle-timeout} is closed
 *       by Vert.x, headers or body.)
 * </ul>
 */
@ApplicationScoped
public class HttpLimits {
    private final long maxBodyBytes;
    private final long bodyReadMillis;

    public HttpLimits(
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize,
            @ConfigProperty(name = "nightmare.limits.body-read-seconds", defaultValue = "60") long bodyReadSeconds) {
        this.maxBodyBytes = maxBodySize.asLongValue();
        this.bodyReadMillis = bodyReadSeconds * 1000;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::limit);
    }

    private void limit(RoutingContext ctx) {
        if (refusedByLength(ctx)) {
            return;
        }
        if (!ctx.request().isEnded()) {
            long timer = ctx.vertx().setTimer(bodyReadMillis, t -> {
                if (!ctx.request().isEnded() && !ctx.response().ended()) {
                    send(
                            ctx,
                            408,
                            "the request body did not arrive within " + bodyReadMillis / 1000
                                    + " s of its headers; send it at once");
                    ctx.request().connection().close();
                }
            });
            ctx.addEndHandler(done -> ctx.vertx().cancelTimer(timer));
        }
        ctx.next();
    }

    private boolean refusedByLength(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > maxBodyBytes) {
                    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
                    send(
                            ctx,
                            413,
                            "the request body is too large: " + length.strip() + " bytes; at most " + maxBodyBytes
                                    + " are read (images up to nightmare.limits.max-upload-bytes)");
                    return true;
                }
            } catch (NumberFormatException ignored) {
                // Vert.x refuses a malformed length itself.
            }
        }
        return false;
    }

    private static void send(RoutingContext ctx, int status, String title) {
        byte[] body;
        try {
            body = ContractJson.mapper().writeValueAsBytes(new ErrorBody(status, title, List.of()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an ErrorBody always serialises", e);
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(io.vertx.core.buffer.Buffer.buffer(body));
    }
}
