package dev.nightmare.engine.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.model.Shape;
import org.junit.jupiter.api.Test;

/** The channel block follows the machine's vector width unless a property sets it. */
class LayoutTest {
    @Test
    void theBlockIsOneVectorOfTheMachine() {
        assertThat(Layout.chooseBlock(null, 16)).isEqualTo(16);
        assertThat(Layout.chooseBlock(null, 8)).isEqualTo(8);
        assertThat(Layout.chooseBlock(" ", 4)).isEqualTo(8);
        assertThat(Layout.chooseBlock("8", 16)).isEqualTo(8);
        assertThat(Layout.chooseBlock("16", 8)).isEqualTo(16);
        assertThatThrownBy(() -> Layout.chooseBlock("12", 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8 or 16");
        assertThatThrownBy(() -> Layout.chooseBlock("avx2", 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be 8 or 16, not \"avx2\"");
    }

    @Test
    void thisProcessRunsTheBlockItWasAskedFor() {
        String asked = System.getProperty(Layout.BLOCK_PROPERTY);
        if (asked != null) {
            assertThat(Layout.BLOCK).isEqualTo(Integer.parseInt(asked));
        }
        assertThat(Layout.BLOCK).isIn(8, 16);
        // A vector never spans two blocks.
        assertThat(Layout.BLOCK % Vectors.LANES).isZero();
    }

    @Test
    void blockedStorageIsPaddedToWholeBlocks() {
        Shape shape = new Shape(Layout.BLOCK + 1, 3, 5);
        assertThat(Layout.blocks(shape.channels())).isEqualTo(2);
        assertThat(Layout.BLOCKED.storageFloats(shape)).isEqualTo(2L * Layout.BLOCK * 15);
        assertThat(Layout.BLOCKED.index(shape, Layout.BLOCK, 0, 1)).isEqualTo(15L * Layout.BLOCK + Layout.BLOCK);
    }
}
