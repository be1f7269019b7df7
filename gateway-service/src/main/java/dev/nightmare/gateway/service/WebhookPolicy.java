package dev.nightmare.gateway.service;

import dev.nightmare.gateway.config.GatewayConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Which callback URLs are allowed (only hosts on the operator's allow-list, so the gateway cannot
 * be aimed at internal addresses) and how deliveries are signed, twice with the one configured
 * secret:
 *
 * <ul>
 *   <li>{@code Nightmare-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>},
 *       keyed with the secret's UTF-8 bytes (as it always was, for existing receivers);
 *   <li>Standard Webhooks (<a href="https://www.standardwebhooks.com">standardwebhooks.com</a>):
 *       {@code webhook-id}, {@code webhook-timestamp} and {@code webhook-signature: v1,<base64
 *       HMAC-SHA256(key, id + "." + timestamp + "." + body)>}, where the key is the spec's {@code
 *       whsec_<base64 key>} decoded when the secret has that form, else the secret's UTF-8 bytes (a
 *       receiver's library then takes {@code whsec_} + base64 of them, {@link #standardSecret}).
 * </ul>
 */
@ApplicationScoped
@Startup // a malformed whsec_ secret stops the start-up with its reason, not a later request
public class WebhookPolicy {
    public static final String SIGNATURE_HEADER = "Nightmare-Signature";
    public static final String STANDARD_ID_HEADER = "webhook-id";
    public static final String STANDARD_TIMESTAMP_HEADER = "webhook-timestamp";
    public static final String STANDARD_SIGNATURE_HEADER = "webhook-signature";
    /** How the Standard Webhooks spec writes a symmetric secret: this prefix, then the key in base64. */
    public static final String STANDARD_SECRET_PREFIX = "whsec_";

    private final HostAllowList allowed;
    private final Optional<byte[]> secret;
    private final Optional<byte[]> standardKey;

    @Inject
    public WebhookPolicy(GatewayConfig config) {
        this(
                config.webhooks().allowedHosts().orElse(List.of()),
                config.webhooks().secret().map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    /** A policy from its parts (tests, tools): hosts as in {@code allowed-hosts}, the secret's bytes. */
    public WebhookPolicy(List<String> allowed, Optional<byte[]> secret) {
        this.allowed = new HostAllowList(allowed);
        this.secret = secret;
        this.standardKey = secret.map(s -> standardKey(new String(s, StandardCharsets.UTF_8)));
    }

    /**
     * The HMAC key of the Standard Webhooks signature for a configured secret: a {@code
     * whsec_<base64>} secret's decoded bytes (as the spec's libraries read it), any other secret's
     * UTF-8 bytes.
     *
     * @throws IllegalStateException for a {@code whsec_} secret whose rest is not base64
     */
    public static byte[] standardKey(String secret) {
        if (!secret.startsWith(STANDARD_SECRET_PREFIX)) {
            return secret.getBytes(StandardCharsets.UTF_8);
        }
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring(STANDARD_SECRET_PREFIX.length()));
            if (key.length == 0) {
                throw new IllegalArgumentException("no key after the prefix");
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "nightmare.webhooks.secret starts with whsec_ but the rest is not a base64 key: " + e.getMessage());
        }
    }

    /** The secret a Standard Webhooks library is given to verify this gateway's deliveries. */
    public static String standardSecret(String configuredSecret) {
        return configuredSecret.startsWith(STANDARD_SECRET_PREFIX)
                ? configuredSecret
                : STANDARD_SECRET_PREFIX
                        + Base64.getEncoder().encodeToString(configuredSecret.getBytes(StandardCharsets.UTF_8));
    }

    /** Why {@code url} may not be called back, or empty when it may. */
    public Optional<String> refusal(String url) {
        if (secret.isEmpty() || allowed.isEmpty()) {
            return Optional.of("webhooks are not enabled on this gateway (no allow-list or secret configured)");
        }
        return allowed.refusal("callbackUrl", "webhook", url);
    }

    /** The {@value #SIGNATURE_HEADER} value for {@code body} sent at {@code unixSeconds}. */
    public String signature(long unixSeconds, byte[] body) {
        return signature(secret.orElseThrow(() -> new IllegalStateException("no webhook secret")), unixSeconds, body);
    }

    public static String signature(byte[] secret, long unixSeconds, byte[] body) {
        Mac mac = hmac(secret);
        mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    /** The {@value #STANDARD_SIGNATURE_HEADER} value for message {@code id} sent at {@code unixSeconds}. */
    public String standardSignature(String id, long unixSeconds, byte[] body) {
        return standardSignature(
                standardKey.orElseThrow(() -> new IllegalStateException("no webhook secret")), id, unixSeconds, body);
    }

    /** {@code v1,} + base64 of HMAC-SHA256({@code key}, id + "." + unixSeconds + "." + body). */
    public static String standardSignature(byte[] key, String id, long unixSeconds, byte[] body) {
        if (id.indexOf('.') >= 0) {
            // The spec: a dot in the id would let one signed content pass for another.
            throw new IllegalArgumentException("a webhook id may not contain '.': " + id);
        }
        Mac mac = hmac(key);
        mac.update((id + "." + unixSeconds + ".").getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
