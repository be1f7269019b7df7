package dev.nightmare.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;

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

    static final String OPENSSL_DIGEST = "b61622af519f191c257cf4d76855c6f588e4a0799440900d6c0d16b671af84fa";
}
