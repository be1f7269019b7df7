package dev.nightmare.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalKafkaTest {
    @Test
    void clusterIdIsKafkasTwentyTwoCharacterFormAndStablePerDirectory() {
        String id = LocalKafka.clusterId(Path.of("/tmp/a"));
        assertThat(id).hasSize(22).matches("[A-Za-z0-9_-]{22}");
        assertThat(LocalKafka.clusterId(Path.of("/tmp/a"))).isEqualTo(id);
        assertThat(LocalKafka.clusterId(Path.of("/tmp/b"))).isNotEqualTo(id);
    }

    @Test
    void clusterIdNeverStartsWithADashWhichKafkasStorageToolWouldTakeForAnOption() {
        // Of 2000 directories, about 30 hash to an id starting with '-' at the first attempt.
        for (int n = 0; n < 2000; n++) {
            Path dir = Path.of("/tmp/backlog-it-" + n);
            assertThat(LocalKafka.clusterId(dir))
                    .hasSize(22)
                    .doesNotStartWith("-")
                    .isEqualTo(LocalKafka.clusterId(dir));
        }
    }

    @Test
    void buildWroteTheServerRuntimesPaths() {
        assertThat(PlatformPaths.kafkaLib().resolve("kafka-clients-4.4.0.jar")).exists();
        assertThat(Files.isRegularFile(PlatformPaths.s3proxyJar())).isTrue();
    }

    @Test
    void systemPropertyOverridesTheBuiltPath() {
        System.setProperty(PlatformPaths.S3PROXY_JAR, "/nowhere/s3proxy.jar");
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(PlatformPaths::s3proxyJar)
                    .hasMessageContaining("/nowhere/s3proxy.jar does not exist");
        } finally {
            System.clearProperty(PlatformPaths.S3PROXY_JAR);
        }
    }
}
