package dev.nightmare.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What can be checked in the Dockerfiles by reading them: base images pinned to a version (the
 * defaults of their base arguments), a non-root user, a health check, and the port the service is
 * configured with. ContainersIT builds and runs them with Podman.
 */
class DockerfilesTest {
    private static final Pattern FROM = Pattern.compile("(?m)^FROM\\s+(\\S+)");
    private static final Pattern ARG = Pattern.compile("(?m)^ARG\\s+(\\w+)=(\\S+)\\s*$");

    /** The images each FROM names when no build argument is given: the ARG defaults resolved. */
    static List<String> bases(String text) {
        Map<String, String> defaults = new HashMap<>();
        ARG.matcher(text).results().forEach(m -> defaults.put(m.group(1), m.group(2)));
        return FROM.matcher(text)
                .results()
                .map(m -> m.group(1))
                .map(image ->
                        image.matches("\\$\\{\\w+}") ? defaults.get(image.substring(2, image.length() - 1)) : image)
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "gateway-service.Dockerfile, gateway-service",
        "model-store.Dockerfile, model-store",
        "dream-worker.Dockerfile, dream-worker",
        "dream-worker-cuda.Dockerfile, dream-worker"
    })
    void imagesArePinnedNonRootHealthCheckedAndOnTheServicesPort(String file, String module) {
        String text = Repo.read("docker/" + file);
        List<String> bases = bases(text);
        assertThat(bases).isNotEmpty().doesNotContainNull().allSatisfy(image -> {
            assertThat(image)
                    .as("base image pinned to a version")
                    .matches("[\\w./-]+:[\\w.-]*\\d[\\w.-]*(@sha256:[0-9a-f]{64})?");
            assertThat(image).doesNotContain(":latest");
        });
        assertThat(text).as("runs as a non-root user").containsPattern("(?m)^USER\\s+(10001|nightmare)\\s*$");
        assertThat(text).containsPattern("(?m)^HEALTHCHECK .*healthcheck");
        int port = Repo.httpPort(module);
        assertThat(text).contains("EXPOSE " + port).contains("QUARKUS_HTTP_PORT=" + port);
        assertThat(text).contains("healthcheck\", \"" + port + "\", \"/q/health/live\"");
        assertThat(text).as("copies the Quarkus fast-jar of its own module").contains(module + "/target/quarkus-app/");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"dream-worker.Dockerfile", "dream-worker-cuda.Dockerfile"})
    void workersEnableTheVectorApiAndNativeAccess(String file) {
        assertThat(Repo.read("docker/" + file))
                .contains("--add-modules=jdk.incubator.vector")
                .contains("--enable-native-access=ALL-UNNAMED");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"dream-worker-cuda.Dockerfile"})
    void theGpuWorkerRunsOnACudaRuntimeWithCudnn8(String file) {
        assertThat(bases(Repo.read("docker/" + file)))
                .anySatisfy(image -> assertThat(image).matches("nvidia/cuda:12\\.[\\d.]+-cudnn8-runtime-.*"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "gateway-service.Dockerfile, eclipse-temurin:25.0.1_8-jre-noble",
        "model-store.Dockerfile, eclipse-temurin:25.0.1_8-jre-noble",
        "dream-worker.Dockerfile, eclipse-temurin:25.0.1_8-jre-noble",
        "dream-worker-cuda.Dockerfile, eclipse-temurin:25.0.1_8-jre-jammy"
    })
    void theBasesAreBuildArgumentsWhoseDefaultsAreThePinnedPublicImages(String file, String jre) {
        String text = Repo.read("docker/" + file);
        assertThat(text).containsPattern("(?m)^FROM \\$\\{JRE_IMAGE}");
        assertThat(bases(text)).contains(jre);
        if (file.contains("cuda")) {
            assertThat(text).containsPattern("(?m)^FROM \\$\\{CUDA_IMAGE}\\s*$");
            assertThat(bases(text)).containsExactly(jre, "nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04");
        }
    }
}
