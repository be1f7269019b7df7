package dev.nightmare.gateway.service;

import dev.nightmare.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Which callback URLs are allowed (only hosts on the operator's allow-list, so the gateway cannot
 * be aimed at internal addresses) and how deliveries are signed: {@code Nightmare-Signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}.
 */
@ApplicationScoped
public class WebhookPolicy {
    public static final String SIGNATURE_HEADER = "Nightmare-Signature";

    private final List<String> allowed;
    private final Optional<byte[]> secret;

    @Inject
    public WebhookPolicy(GatewayConfig config) {
        this(
                config.webhooks().allowedHosts().orElse(List.of()),
                config.webhooks().secret().map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    WebhookPolicy(List<String> allowed, Optional<byte[]> secret) {
        this.allowed =
                allowed.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        this.secret = secret;
    }

    /** Why {@code url} may not be called back, or empty when it may. */
    public Optional<String> refusal(String url) {
        if (secret.isEmpty() || allowed.isEmpty()) {
            return Optional.of("webhooks are not enabled on this gateway (no allow-list or secret configured)");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("callbackUrl is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("callbackUrl must be http or https");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            return Optional.of("callbackUrl must name a host and no user info");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        String hostPort = uri.getPort() < 0 ? host : host + ":" + uri.getPort();
        if (!allowed.contains(host) && !allowed.contains(hostPort)) {
            return Optional.of("callbackUrl host " + hostPort + " is not on this gateway's webhook allow-list");
        }
        return Optional.empty();
    }

    /** The {@value #SIGNATURE_HEADER} value for {@code body} sent at {@code unixSeconds}. */
    public String signature(long unixSeconds, byte[] body) {
        return signature(secret.orElseThrow(() -> new IllegalStateException("no webhook secret")), unixSeconds, body);
    }

    public static String signature(byte[] secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
