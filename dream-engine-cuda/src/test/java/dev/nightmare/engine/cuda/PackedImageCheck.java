package dev.nightmare.engine.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Run by {@link GpuPackTest} on the packed runtime (and harmless here): the packed images decode
 * with ImageIO (java.desktop made it into the jlink'd runtime) and a packed golden output reads.
 */
class PackedImageCheck {
    @Test
    void packedImagesAndGoldenOutputsRead() throws Exception {
        Image scream = ImageCodec.read(Shared.images().resolve("scream.jpg"), ImageCodec.DEFAULT_MAX_PIXELS);
        assertThat(scream.width() * scream.height()).isEqualTo(448 * 352);
        Image dog = ImageCodec.read(Shared.images().resolve("dog_256.png"), ImageCodec.DEFAULT_MAX_PIXELS);
        assertThat(dog.width()).isEqualTo(256);
        Path golden = Shared.golden().resolve("vgg10_dog_i1_o1/dog_256_vgg-conv_10_000000.f32");
        assertThat(FloatImageFile.read(golden).data()).hasSize(3 * 256 * 256);
        assertThat(Files.readString(Shared.golden().resolve("vgg10_dog_i1_o1/cmd.txt")))
                .contains("nightmare");
    }
}
