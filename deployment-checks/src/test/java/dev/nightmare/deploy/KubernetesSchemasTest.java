package dev.nightmare.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * Every object the overlays render, validated against the schema of its kind, from released
 * artefacts (deployment-checks/schemas builds them): Kubernetes' own kinds against the Kubernetes
 * OpenAPI schemas as npm's kubernetes-models 5.1.0 compiles them, KEDA's ScaledObject against
 * @kubernetes-models/keda 2.0.0 (compiled from KEDA's release CRDs), Strimzi's kinds against the
 * CRDs of Strimzi 1.2.0 (io.strimzi:api and io.strimzi:crd-generator from Maven Central, generated
 * as Strimzi's build generates its install files), strictly: unknown fields are refused.
 */
class KubernetesSchemasTest {
    static final Path SCHEMAS = Repo.root().resolve("deployment-checks/schemas/target");

    record Outcome(int exit, String output) {}

    static Outcome validate(List<Map<String, Object>> objects) throws IOException, InterruptedException {
        Assumptions.assumeTrue(
                Podman.onPath("node").isPresent(), "node is not installed, so the schemas cannot be run");
        Path npm = SCHEMAS.resolve("npm");
        Assumptions.assumeTrue(
                Files.isDirectory(npm.resolve("node_modules")) && Files.isDirectory(SCHEMAS.resolve("crds/strimzi")),
                "the schemas are not built: ./mvnw -pl deployment-checks/schemas package");
        Map<String, Object> input = new LinkedHashMap<>();
        Map<String, Object> crds = new LinkedHashMap<>();
        Map<String, Object> served = new LinkedHashMap<>();
        for (Map<String, Object> crd : strimziCrds()) {
            String group = KubernetesManifestsTest.at(crd, "spec", "group");
            String kind = KubernetesManifestsTest.at(crd, "spec", "names", "kind");
            List<Map<String, Object>> versions = KubernetesManifestsTest.at(crd, "spec", "versions");
            List<String> names = new ArrayList<>();
            for (Map<String, Object> v : versions) {
                if (Boolean.TRUE.equals(v.get("served"))) {
                    names.add((String) v.get("name"));
                    crds.put(
                            group + "/" + v.get("name") + "/" + kind,
                            KubernetesManifestsTest.at(v, "schema", "openAPIV3Schema"));
                }
            }
            served.put(group + "/" + kind, names);
        }
        input.put("crds", crds);
        input.put("served", served);
        input.put("objects", objects);
        Process p = new ProcessBuilder("node", npm.resolve("validate.mjs").toString())
                .directory(npm.toFile())
                .redirectErrorStream(true)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(Json.write(input).getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), out);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> strimziCrds() throws IOException {
        List<Map<String, Object>> crds = new ArrayList<>();
        try (Stream<Path> files = Files.list(SCHEMAS.resolve("crds/strimzi"))) {
            for (Path f : files.sorted().toList()) {
                crds.add((Map<String, Object>) new Yaml().load(Files.readString(f)));
            }
        }
        return crds;
    }

    static List<Map<String, Object>> objects(String source, List<Map<String, Object>> docs) {
        return docs.stream()
                .map(d -> Map.<String, Object>of("source", source, "object", d))
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "gpu"})
    void everyRenderedObjectIsValidForTheSchemaOfItsKind(String overlay) throws Exception {
        List<Map<String, Object>> docs = KubernetesManifestsTest.render(overlay);
        Outcome outcome = validate(objects("overlays/" + overlay, docs));
        System.out.print(outcome.output());
        assertThat(outcome.exit()).as(outcome.output()).isZero();
        assertThat(outcome.output().lines().filter(l -> l.startsWith("valid "))).hasSize(docs.size());
        assertThat(outcome.output())
                .contains("kubernetes-models/apps/v1")
                .contains("@kubernetes-models/keda")
                .contains("CRD kafka.strimzi.io/v1 Kafka");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSchemasRefuseWhatTheApiServerWould() throws Exception {
        List<Map<String, Object>> docs = KubernetesManifestsTest.render("dev");
        Map<String, Object> deployment = copy(KubernetesManifestsTest.find(docs, "Deployment", "gateway"));
        ((Map<String, Object>) deployment.get("spec")).put("replicas", "two");
        Map<String, Object> scaler = copy(KubernetesManifestsTest.find(docs, "ScaledObject", "dream-worker"));
        ((Map<String, Object>) scaler.get("spec")).put("minReplicaCount", "0");
        Map<String, Object> kafka = copy(KubernetesManifestsTest.find(docs, "Kafka", "nightmare-kafka"));
        ((Map<String, Object>) ((Map<String, Object>) kafka.get("spec")).get("kafka")).put("replicaz", 3);
        Map<String, Object> oldTopic = copy(KubernetesManifestsTest.find(docs, "KafkaTopic", "nightmare-requests"));
        oldTopic.put("apiVersion", "kafka.strimzi.io/v1beta2");
        Outcome outcome = validate(objects("broken on purpose", List.of(deployment, scaler, kafka, oldTopic)));
        assertThat(outcome.exit()).isEqualTo(1);
        assertThat(outcome.output().lines().filter(l -> l.startsWith("INVALID")))
                .as(outcome.output())
                .hasSize(4);
        assertThat(outcome.output()).contains("replicaz").contains("is not served by the CRD");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> copy(Map<String, Object> doc) {
        return (Map<String, Object>) new Yaml().load(new Yaml().dump(doc));
    }

    /** Enough JSON for YAML-loaded documents: maps, lists, strings, numbers, booleans, null. */
    static final class Json {
        static String write(Object value) {
            StringBuilder out = new StringBuilder();
            write(value, out);
            return out.toString();
        }

        private static void write(Object value, StringBuilder out) {
            switch (value) {
                case null -> out.append("null");
                case Map<?, ?> m -> {
                    out.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (!first) out.append(',');
                        first = false;
                        string(String.valueOf(e.getKey()), out);
                        out.append(':');
                        write(e.getValue(), out);
                    }
                    out.append('}');
                }
                case List<?> l -> {
                    out.append('[');
                    for (int i = 0; i < l.size(); i++) {
                        if (i > 0) out.append(',');
                        write(l.get(i), out);
                    }
                    out.append(']');
                }
                case Number n -> out.append(n);
                case Boolean b -> out.append(b);
                default -> string(value.toString(), out);
            }
        }

        private static void string(String s, StringBuilder out) {
            out.append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                        else out.append(c);
                    }
                }
            }
            out.append('"');
        }
    }
}
