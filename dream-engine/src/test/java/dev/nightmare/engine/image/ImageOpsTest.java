package dev.nightmare.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageOpsTest {
    @Test
    void fitWithinScalesTheLongerSideDownAndKeepsSmallerImages() {
        Image wide = Image.blank(1000, 333, 3);
        Image fitted = ImageOps.fitWithin(wide, 512);
        assertThat(fitted.width()).isEqualTo(512);
        assertThat(fitted.height()).as("333 · 0.512 = 170.496, rounded").isEqualTo(170);
        assertThat(ImageOps.fitWithin(wide, 1000)).isSameAs(wide);
        Image tall = Image.blank(3, 4000, 3);
        assertThat(ImageOps.fitWithin(tall, 100).width())
                .as("at least one pixel")
                .isEqualTo(1);
        assertThat(ImageOps.fitWithin(tall, 100).height()).isEqualTo(100);
    }
}
