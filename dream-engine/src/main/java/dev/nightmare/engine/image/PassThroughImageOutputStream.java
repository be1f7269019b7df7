package dev.nightmare.engine.image;

import java.io.IOException;
import java.io.OutputStream;
import javax.imageio.stream.ImageOutputStreamImpl;

/**
 * An {@code ImageOutputStream} for writers that only append (JPEG's): every byte goes straight on
 * to the stream beneath, where {@code MemoryCacheImageOutputStream} would hold the whole file
 * until it is closed. Seeking anywhere but the current position, reading and bit writes (which
 * read back) are refused.
 */
final class PassThroughImageOutputStream extends ImageOutputStreamImpl {
    private final OutputStream out;

    PassThroughImageOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        streamPos++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        streamPos += len;
    }

    @Override
    public void seek(long pos) throws IOException {
        if (pos != streamPos) {
            throw new IOException("this stream only appends; cannot seek from " + streamPos + " to " + pos);
        }
        bitOffset = 0;
    }

    @Override
    public int read() throws IOException {
        throw new IOException("this stream is write-only");
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        throw new IOException("this stream is write-only");
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        flush();
        super.close();
    }
}
