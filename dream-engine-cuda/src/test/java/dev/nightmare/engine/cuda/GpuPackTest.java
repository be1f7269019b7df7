package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The GPU check's pack step (scripts/gpu-pack.sh) runs here and produces what a Java-less GPU
 * machine needs, within what it may receive: at most 64 MiB together with the working tree. The
 * packed runtime then really runs the packed tests (the CPU-side ones; the GPU ones skip here), and
 * starts the benchmarks the scripts name, which are packed in the test jar, not the shipped one.
 */
class GpuPackTest {
    private static final long LIMIT_BYTES = 64L << 20;

    @Test
    void packsEverythingTheCheckNeedsWithinTheTransferLimit() throws Exception {
        for (String tool : List.of("gcc", "nm", "tar", "gzip")) {
            assumeTrue(Tools.available(tool), tool + " is not installed");
        }
        assumeTrue(Files.isDirectory(Shared.golden()), "no ../shared reference material here");
        Path out = Tools.module().resolve("target/gpu-pack-test").toAbsolutePath();
        Tools.Result pack = Tools.run(Tools.module(), 600, "bash", "scripts/gpu-pack.sh", out.toString(), "--no-build");
        assertThat(pack.exitCode()).as(pack.output()).isZero();

        for (String file : List.of(
                "jre.tar.gz",
                "lib/dream-engine-cuda.jar",
                "lib/dream-engine-cuda-tests.jar",
                "lib/jcuda-11.7.0.jar",
                "lib/jcudnn-natives-11.7.0-linux-x86_64.jar",
                "tools/junit-console.jar",
                "native/libcudnn.so.8",
                "shared/models/vgg-conv.cfg",
                "shared/models/tiny.weights",
                "shared/images/scream.jpg",
                "shared/bench/torch_peer.py",
                "MANIFEST.txt")) {
            assertThat(out.resolve(file)).as(file).isRegularFile();
        }
        try (Stream<Path> cases = Files.list(Shared.golden())) {
            for (Path c : cases.filter(Files::isDirectory).toList()) {
                assertThat(out.resolve("shared/golden").resolve(c.getFileName()).resolve("cmd.txt"))
                        .isRegularFile();
            }
        }
        try (Stream<Path> jars = Files.list(out.resolve("lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString()))
                    .as("no CPU natives, no cuBLAS, no byte-buddy")
                    .noneMatch(n -> n.matches(".*(dnnl|opencl|openblas|javacpp|jcublas|byte-buddy).*"));
        }
        // The scripts' main classes are packed; the benchmarks only in the test jar, not the shipped one.
        Set<String> shipped = classes(out.resolve("lib/dream-engine-cuda.jar"));
        Set<String> tests = classes(out.resolve("lib/dream-engine-cuda-tests.jar"));
        assertThat(tests).contains(GpuBench.class.getName(), GpuProfile.class.getName());
        assertThat(shipped)
                .contains(GpuProbe.class.getName(), CudaSession.class.getName())
                .noneMatch(c -> c.contains("Bench") || c.contains("Profile"));
        Set<String> scriptMains = scriptMainClasses();
        assertThat(scriptMains)
                .contains(GpuProbe.class.getName(), GpuBench.class.getName(), GpuProfile.class.getName())
                .allSatisfy(c -> assertThat(shipped.contains(c) || tests.contains(c))
                        .as(c + " is named by a GPU script but not packed")
                        .isTrue());

        long packBytes = size(out);
        long treeBytes = trackedFilesBytes();
        assertThat(packBytes + treeBytes)
                .as("pack %d bytes + working tree %d bytes", packBytes, treeBytes)
                .isLessThanOrEqualTo(LIMIT_BYTES);

        // The packed runtime runs the packed test classes with the packed console launcher.
        Path jre = Tools.module().resolve("target/gpu-pack-test-jre");
        Files.createDirectories(jre);
        Tools.Result untar =
                Tools.run(jre, 120, "tar", "-xzf", out.resolve("jre.tar.gz").toString());
        assertThat(untar.exitCode()).as(untar.output()).isZero();
        String classPath;
        try (Stream<Path> jars = Files.list(out.resolve("lib"))) {
            classPath = String.join(":", jars.map(Path::toString).sorted().toList());
        }
        Tools.Result run = packedJava(
                jre,
                300,
                "--add-modules=jdk.incubator.vector",
                "-Djava.awt.headless=true",
                "-Dnightmare.shared.dir=" + out.resolve("shared"),
                "-jar",
                out.resolve("tools/junit-console.jar").toString(),
                "execute",
                "--disable-banner",
                "--details=summary",
                "--class-path",
                classPath,
                "--select-class",
                CudaFallbackTest.class.getName(),
                "--select-class",
                PackedImageCheck.class.getName());
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).containsPattern("\\[ *[1-9]\\d* tests successful");

        // The benchmarks the scripts run start from the packed class path (their usage, no GPU needed).
        for (Class<?> main : List.of(GpuBench.class, GpuProfile.class)) {
            Tools.Result usage = packedJava(jre, 60, "-cp", classPath, main.getName());
            assertThat(usage.exitCode()).as(usage.output()).isEqualTo(2);
            assertThat(usage.output()).contains("usage: " + main.getSimpleName() + " CFG WEIGHTS");
        }
    }

    /** The packed runtime's java, run in target/ with native access (as gpu-env.sh runs it). */
    private static Tools.Result packedJava(Path jre, long timeoutSeconds, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(List.of(jre.resolve("bin/java").toString(), "--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of(args));
        return Tools.run(Tools.module().resolve("target"), timeoutSeconds, command);
    }

    private static Set<String> classes(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream()
                    .map(JarEntry::getName)
                    .filter(n -> n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .collect(Collectors.toSet());
        }
    }

    /** Every dev.nightmare.engine.cuda class the GPU scripts name. */
    private static Set<String> scriptMainClasses() throws IOException {
        Set<String> names = new TreeSet<>();
        Pattern name = Pattern.compile("dev\\.nightmare\\.engine\\.cuda\\.\\w+");
        try (Stream<Path> scripts = Files.list(Tools.module().resolve("scripts"))) {
            for (Path script : scripts.filter(p -> p.toString().endsWith(".sh")).toList()) {
                Matcher m = name.matcher(Files.readString(script));
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    private static long trackedFilesBytes() throws Exception {
        Path root = Tools.module().getParent();
        Tools.Result files = Tools.run(root, 60, "git", "ls-files");
        long total = 0;
        for (String f : files.output().lines().toList()) {
            Path p = root.resolve(f);
            if (Files.isRegularFile(p)) {
                total += Files.size(p);
            }
        }
        return total;
    }
}
