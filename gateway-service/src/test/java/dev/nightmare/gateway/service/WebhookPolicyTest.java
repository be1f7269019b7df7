package dev.nightmare.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebhookPolicyTest {
    private static final byte[] SECRET = "whsec-test".getBytes(StandardCharsets.UTF_8);
    private final WebhookPolicy policy =
            new WebhookPolicy(List.of("hooks.example.com", "127.0.0.1:8099"), Optional.of(SECRET));

    @Test
    void allowedHostsPass() {
        assertThat(policy.refusal("https://hooks.example.com/a?b=c")).isEmpty();
        assertThat(policy.refusal("http://HOOKS.example.com/x")).isEmpty();
        assertThat(policy.refusal("http://127.0.0.1:8099/hook")).isEmpty();
    }

    @Test
    void everythingElseIsRefusedWithAReason() {
        assertThat(policy.refusal("http://127.0.0.1:8100/hook"))
                .hasValueSatisfying(r -> assertThat(r).contains("allow-list"));
        assertThat(policy.refusal("http://169.254.169.254/latest")).isPresent();
        assertThat(policy.refusal("file:///etc/passwd"))
                .hasValueSatisfying(r -> assertThat(r).contains("http or https"));
        assertThat(policy.refusal("https://user:pw@hooks.example.com/")).isPresent();
        assertThat(policy.refusal("https://hooks.example.com.evil.net/")).isPresent();
        assertThat(policy.refusal("not a url")).isPresent();
    }

    @Test
    void withoutSecretOrAllowListWebhooksAreOff() {
        assertThat(new WebhookPolicy(List.of(), Optional.of(SECRET)).refusal("https://hooks.example.com/"))
                .isPresent();
        assertThat(new WebhookPolicy(List.of("hooks.example.com"), Optional.empty())
                        .refusal("https://hooks.example.com/"))
                .isPresent();
    }

    @Test
    void signatureIsHmacOfTimestampDotBody() {
        // HMAC-SHA256("whsec-test", "1700000000.{}"), computed independently with openssl.
        assertThat(WebhookPolicy.signature(SECRET, 1_700_000_000L, "{}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("t=1700000000,v1=" + OPENSSL_DIGEST);
        assertThat(policy.signature(1_700_000_001L, "{}".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(policy.signature(1_700_000_000L, "{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void standardSignatureMatchesTheSpecsReferenceVector() {
        // The Standard Webhooks reference libraries' signing test (libraries/java WebhookTest, the
        // same vector in every language): key whsec_MfKQ…, message id, timestamp, payload, signature.
        byte[] key = WebhookPolicy.standardKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(WebhookPolicy.standardSignature(
                        key,
                        "msg_p5jXN8AQM9LWM0D4loKWxJek",
                        1614265330L,
                        "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void bothSignaturesComeFromTheOneConfiguredSecret() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        // A plain secret: both HMACs keyed with its UTF-8 bytes; receivers' libraries take whsec_ + base64 of them.
        WebhookPolicy plain = new WebhookPolicy(
                List.of("hooks.example.com"), Optional.of("test-webhook-secret".getBytes(StandardCharsets.UTF_8)));
        // HMAC-SHA256("test-webhook-secret", "abc-start.1700000000.{}") in base64, computed with Python's hmac.
        assertThat(plain.standardSignature("abc-start", 1_700_000_000L, body))
                .isEqualTo("v1,lKGr8xR6HEP311GhYmkYxlTmjqbONiz/Jxe4u4w71y4=");
        assertThat(WebhookPolicy.standardSecret("test-webhook-secret")).isEqualTo("whsec_dGVzdC13ZWJob29rLXNlY3JldA==");
        assertThat(WebhookPolicy.standardKey(WebhookPolicy.standardSecret("test-webhook-secret")))
                .isEqualTo("test-webhook-secret".getBytes(StandardCharsets.UTF_8));

        // A whsec_ secret: Nightmare-Signature still keyed with the whole string's bytes (as before),
        // webhook-signature with the decoded key.
        String whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        WebhookPolicy standard =
                new WebhookPolicy(List.of("hooks.example.com"), Optional.of(whsec.getBytes(StandardCharsets.UTF_8)));
        assertThat(standard.signature(1_700_000_000L, body))
                .isEqualTo(WebhookPolicy.signature(whsec.getBytes(StandardCharsets.UTF_8), 1_700_000_000L, body));
        assertThat(standard.standardSignature(
                        "msg_p5jXN8AQM9LWM0D4loKWxJek",
                        1614265330L,
                        "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assertThat(WebhookPolicy.standardSecret(whsec)).isEqualTo(whsec);
    }

    @Test
    void malformedWhsecSecretOrDottedIdIsRefused() {
        assertThatThrownBy(() -> WebhookPolicy.standardKey("whsec_not base64!"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nightmare.webhooks.secret");
        assertThatThrownBy(() -> WebhookPolicy.standardKey("whsec_")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> WebhookPolicy.standardSignature(SECRET, "a.b", 1L, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static final String OPENSSL_DIGEST = "b61622af519f191c257cf4d76855c6f588e4a0799440900d6c0d16b671af84fa";
}
