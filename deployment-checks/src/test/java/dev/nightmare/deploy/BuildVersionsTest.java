package dev.nightmare.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Versions in one place (docs/dependencies.md): every library and plugin version is a property of
 * the root pom; the two builds outside its parent repeat the ones they use exactly; no pom writes a
 * version literally; the JUnit console launcher of the GPU check is the Quarkus BOM's JUnit.
 */
class BuildVersionsTest {
    private static final Pattern PROPERTY = Pattern.compile("<([A-Za-z0-9._-]+)>([^<$]*)</\\1>");
    private static final Pattern VERSION = Pattern.compile("<version>([^<]*)</version>");
    /** Poms that are not children of the root (the Quarkus BOM would swap their dependencies). */
    private static final List<String> OUTSIDE =
            List.of("local-platform/servers/pom.xml", "deployment-checks/schemas/pom.xml");

    @Test
    void theBuildsOutsideTheParentRepeatTheRootsVersionsExactly() {
        Map<String, String> root = properties(Repo.read("pom.xml"));
        for (String pom : OUTSIDE) {
            Map<String, String> own = properties(Repo.read(pom));
            List<String> shared = own.keySet().stream()
                    .filter(k -> k.endsWith(".version") || k.startsWith("version."))
                    .toList();
            assertThat(shared).as(pom + " uses versions").isNotEmpty();
            for (String key : shared) {
                assertThat(root)
                        .as("the root pom defines " + key + " (used by " + pom + ")")
                        .containsKey(key);
                assertThat(own.get(key))
                        .as(pom + "'s " + key + " must equal the root's")
                        .isEqualTo(root.get(key));
            }
        }
    }

    @Test
    void noPomWritesAVersionLiterally() throws IOException {
        List<String> literal = new ArrayList<>();
        for (Path pom : poms()) {
            String text = withoutParentAndComments(Files.readString(pom));
            Matcher m = VERSION.matcher(text);
            while (m.find()) {
                String v = m.group(1).strip();
                boolean allowed = v.startsWith("${")
                        || v.startsWith("[") // a property, or an enforcer range
                        || v.equals("0.1.0-SNAPSHOT"); // this project's own version (the two outside poms state it)
                if (!allowed) {
                    literal.add(Repo.root().relativize(pom) + ": " + v);
                }
            }
        }
        assertThat(literal).as("versions must be properties of the root pom").isEmpty();
    }

    @Test
    void theGpuChecksJunitConsoleIsTheJunitOfTheQuarkusBom() {
        // This test runs on the Quarkus BOM's JUnit; its jar names its version.
        String bomJunit = Test.class.getPackage().getImplementationVersion();
        assertThat(bomJunit).as("JUnit's jar manifest names its version").isNotBlank();
        assertThat(properties(Repo.read("pom.xml")).get("junit-console.version"))
                .as("junit-console.version in the root pom (the BOM does not manage the console launcher)")
                .isEqualTo(bomJunit);
    }

    /** The pom's {@code <properties>} block as name → value. */
    private static Map<String, String> properties(String pom) {
        int start = pom.indexOf("<properties>");
        int end = pom.indexOf("</properties>");
        Map<String, String> properties = new LinkedHashMap<>();
        if (start < 0 || end < 0) {
            return properties;
        }
        Matcher m = PROPERTY.matcher(pom.substring(start, end));
        while (m.find()) {
            properties.put(m.group(1), m.group(2).strip());
        }
        return properties;
    }

    /** The pom without comments and its parent's coordinates (whose version is the project's). */
    private static String withoutParentAndComments(String pom) {
        return pom.replaceAll("(?s)<!--.*?-->", "").replaceAll("(?s)<parent>.*?</parent>", "");
    }

    private static List<Path> poms() {
        try (Stream<Path> files = Files.walk(Repo.root())) {
            return files.filter(p -> p.getFileName().toString().equals("pom.xml"))
                    .filter(p ->
                            !p.toString().contains("/target/") && !p.toString().contains("/node_modules/"))
                    .filter(p -> !p.toString().contains("/.")) // .mvn, .gpu-pack …
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
