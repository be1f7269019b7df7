package dev.nightmare.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The JVM settings each image starts with fit the memory limit compose and the Kubernetes
 * manifests give its container: the stated heap, and heap + direct buffers + metaspace + the
 * worker's native engine memory + a reserve for the rest of the JVM within the limit.
 */
class MemoryBoundsTest {
    static void fits(String service, long limit, String where) {
        MemoryBounds.Budget budget = MemoryBounds.budget(service);
        String opts = MemoryBounds.javaOpts(budget.dockerfile());
        assertThat(opts).doesNotContain("MaxRAMPercentage");
        long heap = MemoryBounds.option(opts, "-Xmx");
        long direct = MemoryBounds.option(opts, "-XX:MaxDirectMemorySize");
        long metaspace = MemoryBounds.option(opts, "-XX:MaxMetaspaceSize");
        assertThat(heap).as(service + " heap").isEqualTo(budget.heap());
        assertThat(limit).as(service + " limit in " + where).isEqualTo(budget.limit());
        assertThat(heap + direct + metaspace + budget.nativeBytes() + MemoryBounds.RESERVE)
                .as(
                        "%s: heap %d + direct %d + metaspace %d + native %d + reserve %d MiB within the %d MiB limit of %s",
                        service,
                        heap >> 20,
                        direct >> 20,
                        metaspace >> 20,
                        budget.nativeBytes() >> 20,
                        MemoryBounds.RESERVE >> 20,
                        limit >> 20,
                        where)
                .isLessThanOrEqualTo(limit);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gateway", "model-store", "dream-worker", "dream-worker-gpu"})
    @SuppressWarnings("unchecked")
    void composeLimitsHoldTheImagesJvmSettings(String service) {
        Map<String, Object> compose = new Yaml().load(Repo.read("docker/compose.yaml"));
        Map<String, Object> s = ((Map<String, Map<String, Object>>) compose.get("services")).get(service);
        String limit = String.valueOf(s.get("mem_limit"));
        assertThat(s.get("memswap_limit"))
                .as(service + ": no swap beyond the limit")
                .hasToString(limit);
        fits(service, MemoryBounds.bytes(limit), "docker/compose.yaml");
    }

    @ParameterizedTest(name = "{0} in overlay {1}")
    @CsvSource({
        "gateway, dev",
        "model-store, dev",
        "dream-worker, dev",
        "gateway, gpu",
        "model-store, gpu",
        "dream-worker-gpu, gpu"
    })
    void kubernetesLimitsHoldTheImagesJvmSettings(String service, String overlay) throws Exception {
        List<Map<String, Object>> docs = KubernetesManifestsTest.render(overlay);
        String deployment = service.equals("dream-worker-gpu") ? "dream-worker" : service;
        Map<String, Object> c = KubernetesManifestsTest.containers(
                        KubernetesManifestsTest.find(docs, "Deployment", deployment))
                .getFirst();
        String limit = String.valueOf(KubernetesManifestsTest.<Object>at(c, "resources", "limits", "memory"));
        assertThat((List<?>) c.get("env"))
                .as("the image's JAVA_OPTS apply")
                .noneMatch(e -> "JAVA_OPTS".equals(((Map<?, ?>) e).get("name")));
        fits(service, MemoryBounds.bytes(limit), "k8s/overlays/" + overlay);
    }
}
