package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Builds the cuDNN 8→9 compatibility library with its script and checks, with the binutils and
 * against a stand-in cuDNN 9, that JCudnn can link to it: it exports every cudnn* function JCudnn's
 * native imports, under the SONAME JCudnn asks for, without symbol versions; and through it JCudnn
 * reaches the stand-in's functions, while a function the stand-in lacks answers NOT_SUPPORTED.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudnnCompatLibraryTest {
    private Path work;
    private Path jcudnnNative;
    private Path compat;

    @BeforeAll
    void build() throws Exception {
        for (String tool : List.of("gcc", "nm", "readelf")) {
            assumeTrue(Tools.available(tool), tool + " is not installed");
        }
        work = Tools.module().resolve("target/cudnn8-compat-test");
        Files.createDirectories(work);
        Path jar = Tools.classPathEntry("jcudnn-natives");
        jcudnnNative = work.resolve("libJCudnn.so");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.stream()
                    .filter(e -> e.getName().matches("lib/libJCudnn-.*\\.so"))
                    .findFirst()
                    .orElseThrow();
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, jcudnnNative, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Tools.Result built = Tools.run(
                Tools.module(), 120, "bash", "src/main/native/cudnn8-compat/build.sh", work.toString(), jar.toString());
        assertThat(built.exitCode()).as(built.output()).isZero();
        compat = work.resolve("libcudnn.so.8");
    }

    @Test
    void exportsEveryCudnnFunctionJcudnnImports() throws Exception {
        Set<String> imports = new TreeSet<>();
        for (String line : Tools.run(work, 60, "nm", "-D", "--undefined-only", jcudnnNative.toString())
                .output()
                .lines()
                .toList()) {
            String name = line.trim().replaceFirst("^U\\s+", "").replaceFirst("@.*", "");
            if (name.startsWith("cudnn")) {
                imports.add(name);
            }
        }
        assertThat(imports).as("JCudnn 11.7 imports the cuDNN 8 API").hasSizeGreaterThan(200);

        Set<String> exported = new TreeSet<>();
        for (String line : Tools.run(work, 60, "readelf", "--dyn-syms", "-W", compat.toString())
                .output()
                .lines()
                .toList()) {
            // Num: Value Size Type Bind Vis Ndx Name
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8
                    && f[3].equals("FUNC")
                    && f[4].equals("GLOBAL")
                    && f[5].equals("DEFAULT")
                    && !f[6].equals("UND")) {
                exported.add(f[7]);
            }
        }
        assertThat(exported).containsAll(imports);
        assertThat(exported).containsAll(CudnnLibrary.REQUIRED);
    }

    @Test
    void carriesTheSonameJcudnnNeedsAndNoSymbolVersions() throws Exception {
        String needed =
                Tools.run(work, 60, "readelf", "-d", jcudnnNative.toString()).output();
        assertThat(needed).contains("Shared library: [libcudnn.so.8]");
        String dynamic = Tools.run(work, 60, "readelf", "-d", compat.toString()).output();
        assertThat(dynamic).contains("Library soname: [libcudnn.so.8]");
        String versions =
                Tools.run(work, 60, "readelf", "-V", compat.toString()).output();
        assertThat(versions)
                .as("an unversioned definition satisfies JCudnn's versioned references")
                .doesNotContain("Version definition section");
    }

    @Test
    void jcudnnReachesAStandInCudnn9ThroughIt() throws Exception {
        Path fakeDir = work.resolve("fake-cudnn9");
        Files.createDirectories(fakeDir);
        Path source = fakeDir.resolve("fake_cudnn9.c");
        List<String> c = new ArrayList<>();
        c.add("/* A stand-in for cuDNN 9's libcudnn_graph.so.9: the functions the backend requires. */");
        c.add("#include <stddef.h>");
        for (String f : CudnnLibrary.REQUIRED) {
            switch (f) {
                case "cudnnGetVersion" -> c.add("size_t cudnnGetVersion(void) { return 90100; }");
                case "cudnnGetErrorString" ->
                    c.add("const char *cudnnGetErrorString(int s) { (void)s; return \"stand-in\"; }");
                default -> c.add("int " + f + "(void) { return 0; }");
            }
        }
        Files.write(source, c);
        Tools.Result gcc = Tools.run(
                fakeDir,
                60,
                "gcc",
                "-shared",
                "-fPIC",
                "-Wl,-soname,libcudnn_graph.so.9",
                "-o",
                "libcudnn_graph.so.9",
                source.toString());
        assertThat(gcc.exitCode()).as(gcc.output()).isZero();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.createDirectories(work.resolve("tmp"));
        Tools.Result child = Tools.run(
                work,
                120,
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + work.resolve("tmp"),
                "-D" + CudnnLibrary.COMPAT_PROPERTY + "=" + compat,
                "-D" + CudnnLibrary.DIR_PROPERTY + "=" + fakeDir,
                "-cp",
                System.getProperty("java.class.path"),
                CompatForwardingCheck.class.getName());
        assertThat(child.exitCode()).as(child.output()).isZero();
        assertThat(child.output())
                .contains("loaded: cuDNN 9.1.0 compat=true")
                .contains("jcudnn version: 90100")
                .contains("cudnnCreate: 0")
                .contains("missing function: 9");
    }

    /** Run in a child JVM: JCudnn, once loaded against the stand-in, stays so for the JVM's life. */
    static final class CompatForwardingCheck {
        public static void main(String[] args) throws Exception {
            CudnnLibrary.Loaded loaded = CudnnLibrary.load();
            System.out.println("loaded: cuDNN " + loaded.versionString() + " compat=" + loaded.compat());
            jcuda.jcudnn.JCudnn.setExceptionsEnabled(false);
            System.out.println("jcudnn version: " + jcuda.jcudnn.JCudnn.cudnnGetVersion());
            System.out.println("cudnnCreate: " + jcuda.jcudnn.JCudnn.cudnnCreate(new jcuda.jcudnn.cudnnHandle()));
            // Not in the stand-in: the trampoline answers cuDNN 8's NOT_SUPPORTED instead of crashing.
            System.out.println("missing function: "
                    + jcuda.jcudnn.JCudnn.cudnnCreateRNNDescriptor(new jcuda.jcudnn.cudnnRNNDescriptor()));
        }
    }
}
