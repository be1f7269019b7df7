package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobIdsTest {
    private static final byte[] SECRET = "0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8);

    @Test
    void randomIdsAreValidAndDistinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = JobIds.random();
            assertThat(JobIds.isValid(id)).isTrue();
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void derivedIdIsTheSameForTheSameOwnerAndKey() {
        String a = JobIds.derive(SECRET, "owner-a", "key-1");
        assertThat(JobIds.derive(SECRET.clone(), "owner-a", "key-1")).isEqualTo(a);
        assertThat(JobIds.isValid(a)).isTrue();
    }

    @Test
    void derivedIdDiffersByOwnerKeyAndSecret() {
        String a = JobIds.derive(SECRET, "owner-a", "key-1");
        assertThat(JobIds.derive(SECRET, "owner-b", "key-1")).isNotEqualTo(a);
        assertThat(JobIds.derive(SECRET, "owner-a", "key-2")).isNotEqualTo(a);
        // The separator keeps ("ab", "c") apart from ("a", "bc").
        assertThat(JobIds.derive(SECRET, "ab", "c")).isNotEqualTo(JobIds.derive(SECRET, "a", "bc"));
        byte[] other = "another-secret-of-16+bytes".getBytes(StandardCharsets.UTF_8);
        assertThat(JobIds.derive(other, "owner-a", "key-1")).isNotEqualTo(a);
    }

    @Test
    void shortSecretIsRefused() {
        assertThatThrownBy(() -> JobIds.derive(new byte[8], "o", "k")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ownerIsAStableHashNotTheKeyId() {
        assertThat(JobIds.owner("bot-1"))
                .isEqualTo(JobIds.owner("bot-1"))
                .hasSize(24)
                .doesNotContain("bot");
        assertThat(JobIds.owner("bot-2")).isNotEqualTo(JobIds.owner("bot-1"));
    }

    @Test
    void validityIsStrict() {
        assertThat(JobIds.isValid("0123456789ABCDEF0123456789abcdef")).isFalse();
        assertThat(JobIds.isValid("0123456789abcdef")).isFalse();
        assertThat(JobIds.isValid(null)).isFalse();
    }
}
