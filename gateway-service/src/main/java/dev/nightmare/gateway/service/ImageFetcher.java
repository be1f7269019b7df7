package dev.nightmare.gateway.service;

import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.config.ImageUrlConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches a submission's image from a URL, only from hosts on the operator's list ({@code
 * nightmare.image-urls.allowed-hosts}): redirects are followed by hand, each target checked against
 * the list again; the body is read up to the upload limit and the whole fetch bounded in time, so
 * a slow or endless server costs at most the timeout. What it returns is decoded like an upload.
 */
@ApplicationScoped
public class ImageFetcher {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("image-url-watchdog").daemon().factory());

    private final HostAllowList allowed;
    private final Duration timeout;
    private final int maxRedirects;
    private final long maxBytes;
    private final HttpClient http;

    public ImageFetcher(ImageUrlConfig config, GatewayConfig gateway) {
        this.allowed = new HostAllowList(config.allowedHosts().orElse(List.of()));
        this.timeout = config.timeout();
        this.maxRedirects = config.maxRedirects();
        this.maxBytes = gateway.limits().maxUploadBytes();
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
    }

    /** The bytes at {@code url}; 400 when URL input is off, 422 for a URL it may not or cannot fetch, 413 too large. */
    public byte[] fetch(String url) {
        if (allowed.isEmpty()) {
            throw ApiException.field(
                    400,
                    "image",
                    "image is a URL; this gateway does not fetch images by URL (its operator allow-lists no"
                            + " hosts). Send the file as base64 text (or a data: URL), or upload it as"
                            + " multipart/form-data");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String current = url;
        for (int hop = 0; hop <= maxRedirects; hop++) {
            Optional<String> refusal = allowed.refusal("image URL", "image", current);
            if (refusal.isPresent()) {
                throw ApiException.field(422, "image", refusal.get() + (hop > 0 ? " (reached by a redirect)" : ""));
            }
            HttpResponse<InputStream> response = send(current, deadline);
            int status = response.statusCode();
            if (status >= 300
                    && status < 400
                    && response.headers().firstValue("Location").isPresent()) {
                closeQuietly(response.body());
                current = URI.create(current)
                        .resolve(response.headers().firstValue("Location").get())
                        .toString();
                continue;
            }
            if (status != 200) {
                closeQuietly(response.body());
                throw ApiException.field(
                        422, "image", "the image URL answered " + status + "; expected 200 with the image file");
            }
            return read(response, deadline);
        }
        throw ApiException.field(
                422, "image", "the image URL redirected more than " + maxRedirects + " times; give the final URL");
    }

    private HttpResponse<InputStream> send(String url, long deadline) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(remaining(deadline))
                .header("Accept", "image/png, image/jpeg")
                .GET()
                .build();
        try {
            return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                    .get(remaining(deadline).toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw tooSlow();
        } catch (ExecutionException e) {
            throw ApiException.field(422, "image", "the image URL could not be fetched: " + describe(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw tooSlow();
        }
    }

    private byte[] read(HttpResponse<InputStream> response, long deadline) {
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        InputStream body = response.body();
        if (declared > maxBytes) {
            closeQuietly(body);
            throw tooLarge();
        }
        // A server that drips its body is cut off at the deadline: closing the stream ends the read.
        ScheduledFuture<?> cut =
                WATCHDOG.schedule(() -> closeQuietly(body), remaining(deadline).toNanos(), TimeUnit.NANOSECONDS);
        try (body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = body.read(buffer)) >= 0; ) {
                if (out.size() + n > maxBytes) {
                    throw tooLarge();
                }
                out.write(buffer, 0, n);
            }
            if (System.nanoTime() - deadline > 0) {
                throw tooSlow();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw System.nanoTime() - deadline > 0
                    ? tooSlow()
                    : ApiException.field(422, "image", "the image URL's body could not be read: " + describe(e));
        } finally {
            cut.cancel(false);
        }
    }

    private Duration remaining(long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw tooSlow();
        }
        return Duration.ofNanos(left);
    }

    private ApiException tooSlow() {
        return ApiException.field(
                422, "image", "the image URL did not deliver the image within " + timeout.toSeconds() + " s");
    }

    private ApiException tooLarge() {
        return ApiException.field(
                413, "image", "the image at the URL is larger than the " + maxBytes + " bytes accepted");
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing more to do with it
        }
    }
}
