package dev.nightmare.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml read as YAML with every variable at its default: every service there, the
 * ports and URLs consistent with the services' own configuration, the GPU reserved for the GPU
 * worker, the real images by default. ContainersIT runs the file (with Podman, on stand-in images).
 */
class ComposeTest {
    /** The file as Compose reads it with no variable set: every default. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() {
        Map<String, Object> compose = new Yaml().load(Repo.read("docker/compose.yaml"));
        return (Map<String, Map<String, Object>>) Compose.interpolate(compose.get("services"), Map.of());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> env(Map<String, Object> service) {
        return (Map<String, Object>) service.get("environment");
    }

    @Test
    void runsKafkaMinioModelStoreGatewayAndAWorker() {
        assertThat(services())
                .containsKeys("kafka", "minio", "model-store", "gateway", "dream-worker", "dream-worker-gpu");
        assertThat((String) services().get("kafka").get("image")).matches("apache/kafka:4\\.\\d+\\.\\d+");
        assertThat((String) services().get("minio").get("image")).startsWith("minio/minio:RELEASE.");
        assertThat(services().get("minio").get("command")).isEqualTo("server /data");
        assertThat(services().get("kafka").get("healthcheck").toString()).contains("kafka-broker-api-versions.sh");
        assertThat(services().get("minio").get("healthcheck").toString()).contains("mc ready local");
        assertThat((String) services().get("gateway").get("image")).isEqualTo("nightmare/gateway-service:0.1.0");
        assertThat(env(services().get("kafka"))).containsEntry("KAFKA_PROCESS_ROLES", "broker,controller");
    }

    @Test
    void portsAndUrlsMatchTheServicesConfiguration() {
        int gateway = Repo.httpPort("gateway-service");
        int store = Repo.httpPort("model-store");
        assertThat((List<Object>) services().get("gateway").get("ports")).contains(gateway + ":" + gateway);
        assertThat((List<Object>) services().get("model-store").get("ports")).contains(store + ":" + store);
        for (String s : List.of("gateway", "dream-worker", "dream-worker-gpu")) {
            assertThat(env(services().get(s)))
                    .containsEntry("NIGHTMARE_MODEL_STORE_URL", "http://model-store:" + store)
                    .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
                    .containsEntry("NIGHTMARE_S3_ENDPOINT", "http://minio:9000");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void jobsOutliveDownBecauseKafkaAndS3KeepTheirDataInNamedVolumes() {
        assertThat((List<Object>) services().get("kafka").get("volumes")).contains("kafka-data:/var/lib/kafka/data");
        assertThat(env(services().get("kafka"))).containsEntry("KAFKA_LOG_DIRS", "/var/lib/kafka/data");
        assertThat((List<Object>) services().get("minio").get("volumes")).contains("minio-data:/data");
        for (String s : List.of("kafka", "minio", "model-store", "gateway", "dream-worker", "dream-worker-gpu")) {
            assertThat(services().get(s).get("restart"))
                    .as(s + " restarts when it dies")
                    .isEqualTo("unless-stopped");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGpuIsReservedForTheGpuWorkerOnly() {
        Map<String, Object> deploy =
                (Map<String, Object>) services().get("dream-worker-gpu").get("deploy");
        assertThat(deploy.toString()).contains("driver=nvidia").contains("capabilities=[gpu]");
        assertThat(services().get("dream-worker")).doesNotContainKey("deploy");
        assertThat(services().get("dream-worker-gpu").get("profiles")).isEqualTo(List.of("gpu"));
    }
}
