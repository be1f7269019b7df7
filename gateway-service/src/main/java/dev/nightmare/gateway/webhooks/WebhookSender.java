package dev.nightmare.gateway.webhooks;

import dev.nightmare.gateway.service.WebhookPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One attempt of a delivery: a POST of its body with both signatures, and what the answer means.
 * 2xx is delivered; a network failure, a timeout, 408, 429 and 5xx are worth another attempt
 * (honouring {@code Retry-After} in seconds); 410 Gone and any other status (redirects are not
 * followed) say the receiver will not take it, so it is not attempted again.
 */
public final class WebhookSender {
    private final WebhookPolicy policy;
    private final HttpClient http;
    private final Duration timeout;

    public WebhookSender(WebhookPolicy policy, Duration timeout) {
        this.policy = policy;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** What one attempt came to. */
    public enum Result {
        DELIVERED,
        RETRY,
        REFUSED
    }

    /** @param retryAfter the wait the receiver asked for (zero when it did not) */
    public record Outcome(Result result, String detail, Duration retryAfter) {
        static Outcome of(Result result, String detail) {
            return new Outcome(result, detail, Duration.ZERO);
        }
    }

    /** Sends {@code delivery} now, signed with timestamp {@code unixSeconds}. */
    public Outcome attempt(Delivery delivery, long unixSeconds) throws InterruptedException {
        byte[] body = delivery.body().getBytes(StandardCharsets.UTF_8);
        HttpRequest post;
        try {
            post = HttpRequest.newBuilder(URI.create(delivery.url()))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "nightmare-gateway")
                    .header("Nightmare-Event", delivery.eventType())
                    .header("Nightmare-Job", delivery.jobId())
                    .header(WebhookPolicy.SIGNATURE_HEADER, policy.signature(unixSeconds, body))
                    .header(WebhookPolicy.STANDARD_ID_HEADER, delivery.id())
                    .header(WebhookPolicy.STANDARD_TIMESTAMP_HEADER, Long.toString(unixSeconds))
                    .header(
                            WebhookPolicy.STANDARD_SIGNATURE_HEADER,
                            policy.standardSignature(delivery.id(), unixSeconds, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
        } catch (IllegalArgumentException e) {
            return Outcome.of(Result.REFUSED, "not a URL the client can call: " + e.getMessage());
        }
        HttpResponse<Void> response;
        try {
            response = http.send(post, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            return Outcome.of(Result.RETRY, e.toString());
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return Outcome.of(Result.DELIVERED, "answered " + status);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return new Outcome(Result.RETRY, "answered " + status, retryAfter(response));
        }
        return Outcome.of(Result.REFUSED, "answered " + status);
    }

    /** {@code Retry-After} in seconds; an HTTP date or nonsense counts as nothing. */
    private static Duration retryAfter(HttpResponse<?> response) {
        return response.headers()
                .firstValue("Retry-After")
                .filter(v -> v.strip().matches("\\d{1,9}"))
                .map(v -> Duration.ofSeconds(Long.parseLong(v.strip())))
                .orElse(Duration.ZERO);
    }
}
