package dev.nightmare.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders every overlay with {@code kubectl kustomize} and checks what must hold in the result:
 * GPU requests, probes on the services' ports, the worker's grace period, the KEDA scaler's target
 * and metric, no plain-text secrets, pinned images, only the gateway exposed. KubernetesSchemasTest
 * validates every rendered object against its kind's schema. Not exercised: applying to a cluster,
 * Strimzi and KEDA reconciling the custom resources.
 */
class KubernetesManifestsTest {
    private static final List<String> SERVICES = List.of("gateway", "model-store", "dream-worker");

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> render(String overlay) throws IOException, InterruptedException {
        Path kubectl = Stream.of("/usr/bin/kubectl", "/usr/local/bin/kubectl")
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        Assumptions.assumeTrue(kubectl != null, "kubectl is not installed here, so the overlays cannot be rendered");
        Process p = new ProcessBuilder(
                        kubectl.toString(),
                        "kustomize",
                        Repo.root().resolve("k8s/overlays").resolve(overlay).toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("kubectl kustomize " + overlay + ":\n" + out)
                .isZero();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(out)) {
            if (doc != null) {
                docs.add((Map<String, Object>) doc);
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            if (current instanceof Map<?, ?> map) {
                current = map.get(key);
            } else if (current instanceof List<?> list) {
                current = list.get(Integer.parseInt(key));
            } else {
                return null;
            }
        }
        return (T) current;
    }

    static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.get("kind")) && name.equals(at(d, "metadata", "name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError(kind + "/" + name + " not rendered"));
    }

    static List<Map<String, Object>> containers(Map<String, Object> workload) {
        return at(workload, "spec", "template", "spec", "containers");
    }

    @Test
    void gpuOverlayGivesEachWorkerOneGpuOnGpuNodesAndScalesFromZero() throws Exception {
        List<Map<String, Object>> docs = render("gpu");
        Map<String, Object> worker = find(docs, "Deployment", "dream-worker");
        Map<String, Object> c = containers(worker).getFirst();
        assertThat(at(c, "resources", "limits", "nvidia.com/gpu").toString()).isEqualTo("1");
        assertThat(at(c, "resources", "requests", "nvidia.com/gpu").toString()).isEqualTo("1");
        assertThat((Map<String, Object>) at(worker, "spec", "template", "spec", "nodeSelector"))
                .containsKey("nvidia.com/gpu.present");
        assertThat(at(worker, "spec", "template", "spec", "tolerations").toString())
                .contains("nvidia.com/gpu");
        assertThat((String) at(c, "image")).startsWith("nightmare/dream-worker-cuda:");
        Map<String, Object> scaler = find(docs, "ScaledObject", "dream-worker");
        assertThat((Integer) at(scaler, "spec", "minReplicaCount")).isZero();
    }

    @Test
    void devOverlayRunsCpuWorkersWithoutGpus() throws Exception {
        List<Map<String, Object>> docs = render("dev");
        Map<String, Object> c =
                containers(find(docs, "Deployment", "dream-worker")).getFirst();
        assertThat(at(c, "resources").toString()).doesNotContain("nvidia.com/gpu");
        assertThat((Integer) at(find(docs, "KafkaNodePool", "dual-role"), "spec", "replicas"))
                .isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "gpu"})
    void servicesHaveStartupReadinessAndLivenessProbesOnTheirConfiguredPort(String overlay) throws Exception {
        List<Map<String, Object>> docs = render(overlay);
        Map<String, String> modules =
                Map.of("gateway", "gateway-service", "model-store", "model-store", "dream-worker", "dream-worker");
        for (String name : SERVICES) {
            Map<String, Object> c = containers(find(docs, "Deployment", name)).getFirst();
            int port = Repo.httpPort(modules.get(name));
            assertThat((Integer) at(c, "ports", "0", "containerPort"))
                    .as(name + " port")
                    .isEqualTo(port);
            assertThat((String) at(c, "startupProbe", "httpGet", "path")).isEqualTo("/q/health/started");
            assertThat((String) at(c, "readinessProbe", "httpGet", "path")).isEqualTo("/q/health/ready");
            assertThat((String) at(c, "livenessProbe", "httpGet", "path")).isEqualTo("/q/health/live");
            assertThat((Object) at(c, "resources", "requests"))
                    .as(name + " requests")
                    .isNotNull();
            assertThat((Object) at(c, "resources", "limits", "memory"))
                    .as(name + " memory limit")
                    .isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "gpu"})
    void workerGracePeriodOutlastsItsShutdownGraceAndStartupAllowsTheModelDownload(String overlay) throws Exception {
        Map<String, Object> worker = find(render(overlay), "Deployment", "dream-worker");
        int grace = at(worker, "spec", "template", "spec", "terminationGracePeriodSeconds");
        Map<String, Object> c = containers(worker).getFirst();
        List<Map<String, Object>> env = at(c, "env");
        String shutdownGrace = env.stream()
                .filter(e -> "NIGHTMARE_WORKER_SHUTDOWN_GRACE".equals(e.get("name")))
                .map(e -> (String) e.get("value"))
                .findFirst()
                .orElseThrow();
        assertThat(grace).isGreaterThan((int) Duration.parse(shutdownGrace).toSeconds() + 10);
        int startupSeconds =
                (Integer) at(c, "startupProbe", "periodSeconds") * (Integer) at(c, "startupProbe", "failureThreshold");
        assertThat(startupSeconds).as("time allowed for the model download").isGreaterThanOrEqualTo(300);
    }

    @Test
    void kedaScalesWorkersOnTheBacklogMetricTheGatewayExports() throws Exception {
        Map<String, Object> scaler = find(render("gpu"), "ScaledObject", "dream-worker");
        assertThat((String) at(scaler, "spec", "scaleTargetRef", "name")).isEqualTo("dream-worker");
        assertThat((String) at(scaler, "spec", "triggers", "0", "type")).isEqualTo("prometheus");
        String query = at(scaler, "spec", "triggers", "0", "metadata", "query");
        assertThat(query).contains("nightmare_requests_backlog");
        try (Stream<Path> sources = Files.walk(Repo.root().resolve("gateway-service/src/main/java"))) {
            assertThat(sources.filter(p -> p.toString().endsWith(".java")).anyMatch(p -> {
                        try {
                            return Files.readString(p).contains("nightmare.requests.backlog")
                                    || Files.readString(p).contains("nightmare_requests_backlog");
                        } catch (IOException e) {
                            return false;
                        }
                    }))
                    .as("the gateway exports the metric KEDA queries")
                    .isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "gpu"})
    void noPlainTextSecretsAndEveryImagePinned(String overlay) throws Exception {
        List<Map<String, Object>> docs = render(overlay);
        assertThat(docs)
                .as("Secrets are created by the operator, never rendered from the repository")
                .noneMatch(d -> "Secret".equals(d.get("kind")));
        for (Map<String, Object> d : docs) {
            if ("ConfigMap".equals(d.get("kind"))) {
                Map<String, Object> data = at(d, "data");
                assertThat(data.keySet())
                        .noneMatch(k -> k.matches("(?i).*(SECRET|PASSWORD|TOKEN|ACCESS_KEY|API_KEY).*"));
            }
            List<Map<String, Object>> containers = d.get("kind") != null
                            && List.of("Deployment", "StatefulSet").contains(d.get("kind"))
                    ? containers(d)
                    : List.of();
            for (Map<String, Object> c : containers) {
                assertThat((String) c.get("image"))
                        .as("image pinned")
                        .matches("[\\w./-]+:[\\w.-]*\\d[\\w.-]*")
                        .doesNotEndWith(":latest");
                List<Map<String, Object>> env = c.get("env") == null ? List.of() : at(c, "env");
                for (Map<String, Object> e : env) {
                    String name = (String) e.get("name");
                    if (name.matches("(?i).*(SECRET|PASSWORD|TOKEN|ACCESS_KEY|ROOT_USER).*")) {
                        assertThat(e).as(name + " comes from a Secret").containsKey("valueFrom");
                    }
                    Object value = e.get("value");
                    if (value instanceof String s && s.contains("password=")) {
                        assertThat(s)
                                .as(name + " interpolates the password from a Secret-backed variable")
                                .contains("password=\"$(");
                    }
                }
            }
        }
    }

    @Test
    void onlyTheGatewayIsExposed() throws Exception {
        List<Map<String, Object>> docs = render("gpu");
        assertThat(docs.stream().filter(d -> "Ingress".equals(d.get("kind"))).map(d ->
                        (String) at(d, "metadata", "name")))
                .containsExactly("gateway");
        assertThat(docs.stream().filter(d -> "Service".equals(d.get("kind"))))
                .allSatisfy(s -> assertThat((String) at(s, "spec", "type")).isNull());
        assertThat(find(docs, "NetworkPolicy", "default-deny-ingress").toString())
                .contains("podSelector={}");
        List<Map<String, Object>> fromOutside = docs.stream()
                .filter(d ->
                        "NetworkPolicy".equals(d.get("kind")) && d.toString().contains("ingress-nginx"))
                .toList();
        assertThat(fromOutside)
                .singleElement()
                .satisfies(np -> assertThat(
                                at(np, "spec", "podSelector", "matchLabels").toString())
                        .contains("gateway"));
    }
}
