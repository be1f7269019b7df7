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

    /** Bands of every height, the last one short: each band is exactly its rows of the whole operation. */
    @org.junit.jupiter.params.ParameterizedTest(name = "zoom {0}, {1}×{2}, bands of {3}")
    @org.junit.jupiter.params.provider.CsvSource({
        "0.5,64,48,7",
        "0.83,101,77,10",
        "0.9,33,2,1",
        "1.0,40,30,30",
        "1.3,57,41,4",
        "2.0,20,31,3",
        "0.2,9,7,2"
    })
    void zoomBandByBandIsTheCropAndResizeBitForBit(float zoom, int w, int h, int bandRows) {
        Image im = noise(w, h);
        float[] whole = ImageOps.zoom(im, zoom).data();
        ImageOps.ZoomWindow win = ImageOps.ZoomWindow.of(w, h, zoom);
        assertThat(banded(w, h, bandRows, (y0, y1, band) -> ImageOps.zoomRows(im.data(), 3, w, h, win, y0, y1, band)))
                .isEqualTo(whole);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} rad, {1}×{2}, bands of {3}")
    @org.junit.jupiter.params.provider.CsvSource({"0.3,64,48,7", "-1.1,33,20,33", "3.0,17,9,4"})
    void rotateBandByBandIsTheWholeRotationBitForBit(float radians, int w, int h, int bandRows) {
        Image im = noise(w, h);
        float[] whole = ImageOps.rotate(im, radians).data();
        assertThat(banded(
                        w,
                        h,
                        bandRows,
                        (y0, y1, band) -> ImageOps.rotateRows(im.data(), 3, w, h, radians, y0, y1, band)))
                .isEqualTo(whole);
    }

    @FunctionalInterface
    private interface Band {
        void rows(int y0, int y1, float[] band);
    }

    /** The whole image assembled from bands of {@code bandRows} rows (the last one short). */
    private static float[] banded(int w, int h, int bandRows, Band op) {
        float[] whole = new float[3 * w * h];
        float[] band = new float[3 * bandRows * w];
        for (int y0 = 0; y0 < h; y0 += bandRows) {
            int y1 = Math.min(h, y0 + bandRows);
            op.rows(y0, y1, band);
            int rows = y1 - y0;
            for (int c = 0; c < 3; c++) {
                System.arraycopy(band, c * rows * w, whole, (c * h + y0) * w, rows * w);
            }
        }
        return whole;
    }

    private static Image noise(int w, int h) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(w * 31L + h);
        float[] data = new float[3 * w * h];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble();
        }
        return new Image(w, h, 3, data);
    }
}
