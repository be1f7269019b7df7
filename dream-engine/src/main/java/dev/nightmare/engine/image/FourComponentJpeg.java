package dev.nightmare.engine.image;

import java.awt.image.Raster;

/**
 * JPEGs with four components — CMYK and YCCK, as print software writes them — converted to RGB
 * the way darknet's stb_image does (stbi__decode_jpeg_image): with Adobe's APP14 transform 0 the
 * components are CMYK as stored (Adobe stores them inverted) and each colour is {@code c·k/255};
 * with transform 2 they are YCCK: YCbCr to RGB, inverted, times k; without an Adobe segment the
 * fourth component is ignored and the first three are YCbCr. ImageIO reads the raw components
 * ({@code readRaster}); its own colour conversion refuses most such files.
 */
final class FourComponentJpeg {
    private static final int SOI = 0xd8;
    private static final int SOS = 0xda;
    private static final int APP14 = 0xee;

    private FourComponentJpeg() {}

    /** The number of components the JPEG's frame header declares (0 when it has none). */
    static int components(byte[] jpeg) {
        for (Segment s = Segment.first(jpeg); s != null; s = s.next(jpeg)) {
            int m = s.marker;
            boolean frame = m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
            if (frame && s.start + 9 < jpeg.length) {
                return jpeg[s.start + 9] & 0xff;
            }
        }
        return 0;
    }

    /** Adobe's APP14 colour transform (0: CMYK, 1: YCbCr, 2: YCCK), or −1 without the segment. */
    static int adobeTransform(byte[] jpeg) {
        for (Segment s = Segment.first(jpeg); s != null; s = s.next(jpeg)) {
            if (s.marker == APP14 && s.length >= 12 && s.start + 15 < jpeg.length) {
                String tag = new String(jpeg, s.start + 4, 5, java.nio.charset.StandardCharsets.US_ASCII);
                if (tag.equals("Adobe")) {
                    return jpeg[s.start + 15] & 0xff;
                }
            }
        }
        return -1;
    }

    /** The raw four-component raster as darknet's planar float RGB, /255. */
    static Image toImage(Raster raster, int transform) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int plane = w * h;
        float[] data = new float[3 * plane];
        int[] px = new int[4];
        int[] rgb = new int[3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, px);
                if (transform == 0) {
                    for (int c = 0; c < 3; c++) {
                        rgb[c] = blinn(px[c], px[3]);
                    }
                } else {
                    yccToRgb(px[0], px[1], px[2], rgb);
                    if (transform == 2) {
                        for (int c = 0; c < 3; c++) {
                            rgb[c] = blinn(255 - rgb[c], px[3]);
                        }
                    }
                }
                int p = y * w + x;
                data[p] = rgb[0] / 255f;
                data[plane + p] = rgb[1] / 255f;
                data[2 * plane + p] = rgb[2] / 255f;
            }
        }
        return new Image(w, h, 3, data);
    }

    /** stb_image's {@code stbi__blinn_8x8}: x·y/255, rounded. */
    static int blinn(int x, int y) {
        int t = x * y + 128;
        return (t + (t >>> 8)) >>> 8;
    }

    /** JFIF's YCbCr to RGB, rounded and clamped. */
    private static void yccToRgb(int yy, int cb, int cr, int[] rgb) {
        rgb[0] = clamp(Math.round(yy + 1.402f * (cr - 128)));
        rgb[1] = clamp(Math.round(yy - 0.344136f * (cb - 128) - 0.714136f * (cr - 128)));
        rgb[2] = clamp(Math.round(yy + 1.772f * (cb - 128)));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /** One marker segment: its marker byte, where it starts (at 0xFF) and its length field. */
    private record Segment(int marker, int start, int length) {
        static Segment first(byte[] jpeg) {
            if (jpeg.length < 4 || (jpeg[0] & 0xff) != 0xff || (jpeg[1] & 0xff) != SOI) {
                return null;
            }
            return at(jpeg, 2);
        }

        Segment next(byte[] jpeg) {
            return marker == SOS ? null : at(jpeg, start + 2 + length);
        }

        private static Segment at(byte[] jpeg, int i) {
            while (i + 3 < jpeg.length && (jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xff) {
                i++; // fill bytes
            }
            if (i + 3 >= jpeg.length || (jpeg[i] & 0xff) != 0xff) {
                return null;
            }
            int length = ((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff);
            return new Segment(jpeg[i + 1] & 0xff, i, length);
        }
    }
}
