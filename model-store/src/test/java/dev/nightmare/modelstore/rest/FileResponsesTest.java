package dev.nightmare.modelstore.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FileResponsesTest {
    private static final String SHA = "ab".repeat(32);

    @Test
    void ifNoneMatchComparesQuotedTagsWeaklyAndAcceptsStar() {
        assertThat(FileResponses.matches("\"" + SHA + "\"", SHA)).isTrue();
        assertThat(FileResponses.matches("W/\"" + SHA + "\"", SHA)).isTrue();
        assertThat(FileResponses.matches("\"other\", \"" + SHA + "\"", SHA)).isTrue();
        assertThat(FileResponses.matches("*", SHA)).isTrue();
        assertThat(FileResponses.matches(SHA, SHA))
                .as("unquoted is not an entity tag")
                .isFalse();
        assertThat(FileResponses.matches("\"" + "cd".repeat(32) + "\"", SHA)).isFalse();
    }
}
