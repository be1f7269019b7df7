package dev.nightmare.video;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Animated GIF through the JDK's own writer (no dependency): each frame quantised to its own 256
 * colours, looping for ever (the NETSCAPE2.0 extension). GIF delays are whole hundredths of a
 * second, so each frame's delay is rounded so that frame {@code n} starts at {@code round(100·n /
 * fps)}: at 24 fps the delays run 4, 4, 5, … and the animation keeps time.
 */
final class GifWriter implements VideoWriter {
    private final Path file;
    private final int fps;
    private final ImageOutputStream out;
    private final ImageWriter writer;
    private int width;
    private int height;
    private long frames;

    GifWriter(Path file, int fps) throws IOException {
        if (fps < 1 || fps > VideoFormat.GIF.maxFps()) {
            throw new IllegalArgumentException("fps " + fps + " is outside 1.." + VideoFormat.GIF.maxFps());
        }
        this.file = file;
        this.fps = fps;
        Files.deleteIfExists(file);
        this.out = ImageIO.createImageOutputStream(file.toFile());
        this.writer = ImageIO.getImageWritersByFormatName("gif").next();
        writer.setOutput(out);
        writer.prepareWriteSequence(null);
    }

    @Override
    public void write(Frame frame) throws IOException {
        if (frames == 0) {
            width = frame.width();
            height = frame.height();
            if (width > 65_535 || height > 65_535) {
                throw new IllegalArgumentException("GIF frames are at most 65535 pixels a side");
            }
        } else if (frame.width() != width || frame.height() != height) {
            throw new IllegalArgumentException("frame " + frames + " is " + frame.width() + "×" + frame.height()
                    + "; the animation's frames are " + width + "×" + height);
        }
        ImageWriteParam param = writer.getDefaultWriteParam();
        ImageTypeSpecifier type = ImageTypeSpecifier.createFromRenderedImage(frame.toImage());
        IIOMetadata metadata = writer.getDefaultImageMetadata(type, param);
        String format = metadata.getNativeMetadataFormatName();
        IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
        IIOMetadataNode control = child(root, "GraphicControlExtension");
        control.setAttribute("disposalMethod", "none");
        control.setAttribute("userInputFlag", "FALSE");
        control.setAttribute("transparentColorFlag", "FALSE");
        control.setAttribute("delayTime", Integer.toString(delay(frames)));
        control.setAttribute("transparentColorIndex", "0");
        if (frames == 0) {
            IIOMetadataNode extensions = child(root, "ApplicationExtensions");
            IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
            loop.setAttribute("applicationID", "NETSCAPE");
            loop.setAttribute("authenticationCode", "2.0");
            loop.setUserObject(new byte[] {1, 0, 0}); // sub-block 1: loop count 0 = for ever
            extensions.appendChild(loop);
        }
        metadata.setFromTree(format, root);
        writer.writeToSequence(new IIOImage(frame.toImage(), null, metadata), param);
        frames++;
    }

    /** Hundredths of a second frame {@code n} is shown, so that the frames keep the fps on average. */
    private int delay(long n) {
        return (int) (Math.round(100.0 * (n + 1) / fps) - Math.round(100.0 * n / fps));
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equals(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    @Override
    public long frames() {
        return frames;
    }

    @Override
    public void close() throws IOException {
        try {
            if (frames == 0) {
                throw new IOException("no frame was written to " + file);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
            out.close();
        }
    }
}
