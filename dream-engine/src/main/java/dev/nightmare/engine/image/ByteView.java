package dev.nightmare.engine.image;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.util.Hashtable;

/**
 * A float image seen as an 8-bit RGB {@link BufferedImage} without a copy: every sample an
 * encoder reads is darknet's byte of the float value ({@link ImageCodec#toByte}) at the moment it
 * is read. The encoders read a row at a time, so an image of any size is encoded with a few rows
 * of bytes beside the floats instead of a second whole image. Read-only.
 */
final class ByteView extends DataBuffer {
    private final float[] data;
    private final int plane;

    private ByteView(float[] data, int plane) {
        super(DataBuffer.TYPE_BYTE, 3 * plane);
        this.data = data;
        this.plane = plane;
    }

    /** The image as pixel-interleaved RGB bytes, sRGB, opaque. */
    static BufferedImage of(Image im) {
        if (im.channels() != 3) {
            throw new ImageException("only 3-channel images can be saved; this one has " + im.channels());
        }
        int w = im.width();
        int h = im.height();
        var samples = new PixelInterleavedSampleModel(DataBuffer.TYPE_BYTE, w, h, 3, 3 * w, new int[] {0, 1, 2});
        var raster = Raster.createWritableRaster(samples, new ByteView(im.data(), w * h), null);
        ColorModel colours = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        return new BufferedImage(colours, raster, false, new Hashtable<>());
    }

    @Override
    public int getElem(int bank, int i) {
        int pixel = i / 3;
        int channel = i - 3 * pixel;
        return ImageCodec.toByte(data[channel * plane + pixel]);
    }

    @Override
    public void setElem(int bank, int i, int val) {
        throw new UnsupportedOperationException("the byte view of a float image is read-only");
    }
}
