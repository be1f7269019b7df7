package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX (loaded at run time, so builds need no nvcc) matches src/main/cuda: where nvcc
 * exists it is regenerated with build-ptx.sh into target/ and compared byte for byte; everywhere,
 * every kernel the sources declare is an entry of its PTX, for a CUDA 12 driver.
 */
class CudaPtxUpToDateTest {
    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Path COMMITTED = Path.of("src/main/resources/dev/nightmare/engine/cuda/ptx");

    private static List<Path> cudaSources() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
    }

    private static Path ptxOf(Path dir, Path cu) {
        return dir.resolve(cu.getFileName().toString().replace(".cu", ".ptx"));
    }

    @Test
    void committedPtxIsWhatNvccMakesOfTheSources() throws Exception {
        assumeTrue(Tools.available("nvcc"), "nvcc is not installed: the committed PTX is used as is");
        String version = Tools.run(Path.of("."), 30, "nvcc", "--version").output();
        String committedBy = Files.readAllLines(ptxOf(COMMITTED, cudaSources().getFirst())).stream()
                .filter(l -> l.startsWith("// Cuda compilation tools"))
                .findFirst()
                .orElseThrow()
                .substring(3);
        assumeTrue(
                version.contains(committedBy),
                "the committed PTX was made by '" + committedBy + "', this nvcc is another version");

        Path out = Path.of("target/ptx-check");
        Tools.Result built = Tools.run(
                Path.of("."), 300, "bash", SOURCES.resolve("build-ptx.sh").toString(), out.toString());
        assertThat(built.exitCode()).as(built.output()).isZero();
        for (Path cu : cudaSources()) {
            assertThat(Files.readString(ptxOf(out, cu)))
                    .as(ptxOf(COMMITTED, cu) + " is stale: run src/main/cuda/build-ptx.sh and commit the result")
                    .isEqualTo(Files.readString(ptxOf(COMMITTED, cu)));
        }
        try (Stream<Path> ptx = Files.list(COMMITTED)) {
            assertThat(ptx.count())
                    .as("one PTX per .cu, no leftovers")
                    .isEqualTo(cudaSources().size());
        }
    }

    @Test
    void everyKernelIsAnEntryOfPtxForCuda12Drivers() throws IOException {
        Pattern kernel = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(");
        for (Path cu : cudaSources()) {
            String ptx = Files.readString(ptxOf(COMMITTED, cu));
            assertThat(ptx).contains("\n.version 8.0\n").contains("\n.target sm_75\n");
            Matcher m = kernel.matcher(Files.readString(cu));
            int kernels = 0;
            while (m.find()) {
                assertThat(ptx).contains(".visible .entry " + m.group(1) + "(");
                kernels++;
            }
            assertThat(kernels).as(cu + " declares kernels").isPositive();
        }
    }
}
