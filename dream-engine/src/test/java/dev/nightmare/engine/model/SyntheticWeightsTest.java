package dev.nightmare.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.model.SyntheticWeights.SplitMix64;
import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyntheticWeightsTest {
    @Test
    void splitMixMatchesTheSpecVectors() {
        SplitMix64 rng = new SplitMix64(SyntheticWeights.DEFAULT_SEED);
        assertThat(rng.next()).isEqualTo(0xc4c855368c0f4912L);
        assertThat(rng.next()).isEqualTo(0xd9fcf06bdf12311cL);
        assertThat(rng.next()).isEqualTo(0x46023adc03362bc1L);
        SplitMix64 uniforms = new SplitMix64(SyntheticWeights.DEFAULT_SEED);
        assertThat(uniforms.uniform()).isEqualTo(0.76868182420730591);
        assertThat(uniforms.uniform()).isEqualTo(0.85151576995849609);
        uniforms.uniform();
        assertThat(uniforms.uniform()).isEqualTo(0.44975900650024414);
        assertThat(uniforms.uniform()).isEqualTo(0.07067108154296875);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "vgg-conv, 58858772, 21c26b9fbc5adad63a98ce6e22e375f052984617c3ba051c77fdd942489ff86f, 64, 0.397891253, -0.16958347, 0.0935191959, -0.116553679, -0.0145384092, 0.0354196876, -0.00715989247, 0.030828841",
        "jnet-conv, 75480212, 723e96967c07844cf17bb6ad17fb7ff43f00851599037296440df7c8b0a12c51, 32, 0.432546705, 0.15798825, 0.32391876, -0.443377376, 0.00584333297, 0.00709121535, -0.00575385569, -0.00940843299"
    })
    void generatedFilesMatchSizesHashesAndValues(
            String cfg,
            long bytes,
            String sha256,
            int biases,
            float w0,
            float w1,
            float w2,
            float w3,
            float l0,
            float l1,
            float l2,
            float l3)
            throws IOException {
        Path file = Shared.syntheticWeights(cfg);
        assertThat(Files.size(file)).isEqualTo(bytes);
        assertThat(Model.sha256(file)).isEqualTo(sha256);
        try (FileChannel ch = FileChannel.open(file)) {
            assertThat(floatsAt(ch, 20, 4))
                    .containsExactly(0.00537363626f, 0.00703031523f, -0.00453057047f, -0.00100481987f);
            assertThat(floatsAt(ch, 20 + 4L * biases, 4)).containsExactly(w0, w1, w2, w3);
            assertThat(floatsAt(ch, bytes - 16, 4)).containsExactly(l0, l1, l2, l3);
        }
        NetworkSpec spec = NetworkSpec.read(Shared.models().resolve(cfg + ".cfg"), w -> {});
        assertThat(20 + 4 * spec.weightFloats()).isEqualTo(bytes);
    }

    private static float[] floatsAt(FileChannel ch, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(b, position);
        b.flip();
        float[] out = new float[n];
        b.asFloatBuffer().get(out);
        return out;
    }
}
