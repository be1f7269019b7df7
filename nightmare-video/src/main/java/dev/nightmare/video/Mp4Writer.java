package dev.nightmare.video;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.jcodec.codecs.h264.H264Encoder;
import org.jcodec.codecs.h264.encode.RateControl;
import org.jcodec.codecs.h264.io.model.SeqParameterSet;
import org.jcodec.codecs.h264.io.model.SliceType;
import org.jcodec.codecs.h264.io.model.VUIParameters;
import org.jcodec.common.Codec;
import org.jcodec.common.MuxerTrack;
import org.jcodec.common.VideoCodecMeta;
import org.jcodec.common.VideoEncoder;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Packet;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Size;
import org.jcodec.containers.mp4.Brand;
import org.jcodec.containers.mp4.muxer.MP4Muxer;

/**
 * MP4 with one H.264 track, encoded by JCodec (pure Java). The stream is declared Constrained
 * Baseline (what JCodec writes: one slice a picture, I and P frames, CAVLC — no FMO, ASO or B
 * frames), which every browser and phone decodes; its level is the lowest that holds the frame
 * size and rate. Colours are converted here rather than by JCodec, whose conversion writes full
 * range without saying so: BT.709 limited range, declared in the stream's VUI, so players show the
 * rounds' colours. 4:2:0 needs even sizes: an odd last column or row is left out.
 */
final class Mp4Writer implements VideoWriter {
    /** Quantiser of I and P frames: close to the round JPEGs' detail at a quarter of their bytes per frame. */
    private static final int QP_I = 22;

    private static final int QP_P = 24;
    /** A key frame every this many seconds: seeking stays quick, P frames do the rest. */
    private static final int KEY_SECONDS = 2;

    private final Path file;
    private final int fps;
    private final FileChannelWrapper channel;
    private final MP4Muxer muxer;
    private MuxerTrack track;
    private Encoder encoder;
    private Picture yuv;
    private ByteBuffer buffer;
    private int width;
    private int height;
    private long frames;

    Mp4Writer(Path file, int fps) throws IOException {
        if (fps < 1 || fps > VideoFormat.MP4.maxFps()) {
            throw new IllegalArgumentException("fps " + fps + " is outside 1.." + VideoFormat.MP4.maxFps());
        }
        this.file = file;
        this.fps = fps;
        this.channel = NIOUtils.writableChannel(file.toFile());
        this.muxer = MP4Muxer.createMP4Muxer(channel, Brand.MP4);
    }

    @Override
    public void write(Frame frame) throws IOException {
        if (encoder == null) {
            start(frame);
        } else if (frame.width() != width || frame.height() != height) {
            throw new IllegalArgumentException("frame " + frames + " is " + frame.width() + "×" + frame.height()
                    + "; the animation's frames are " + width + "×" + height);
        }
        toYuv(frame, yuv);
        buffer.clear();
        VideoEncoder.EncodedFrame encoded = encoder.encodeFrame(yuv, buffer);
        Packet packet = Packet.createPacket(
                NIOUtils.clone(encoded.getData()),
                frames,
                fps,
                1,
                frames,
                encoded.isKeyFrame() ? Packet.FrameType.KEY : Packet.FrameType.INTER,
                null);
        track.addFrame(packet);
        frames++;
    }

    private void start(Frame frame) {
        width = frame.width();
        height = frame.height();
        int w = width & ~1;
        int h = height & ~1;
        if (w < 2 || h < 2) {
            throw new IllegalArgumentException(
                    "a " + width + "×" + height + " frame is too small for H.264 (at least 2×2); use gif");
        }
        int level = Levels.lowest(w, h, fps);
        encoder = new Encoder(level, fps);
        encoder.setKeyInterval(Math.max(1, KEY_SECONDS * fps));
        yuv = Picture.create(w, h, ColorSpace.YUV420J);
        // 4 bytes a pixel: far above what CAVLC writes at these quantisers, even for noise.
        buffer = ByteBuffer.allocate(Math.max(1 << 16, 4 * w * h));
        track = muxer.addVideoTrack(
                Codec.H264, VideoCodecMeta.createSimpleVideoCodecMeta(new Size(w, h), ColorSpace.YUV420J));
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
            muxer.finish();
        } finally {
            channel.close();
        }
    }

    /**
     * RGB to Y'CbCr 4:2:0, BT.709, limited range (Y' 16–235, Cb/Cr 16–240), chroma the mean of each
     * 2×2 block; JCodec stores every sample minus 128 in a signed byte.
     */
    static void toYuv(Frame frame, Picture yuv) {
        int w = yuv.getWidth();
        int h = yuv.getHeight();
        byte[] y = yuv.getPlaneData(0);
        byte[] cb = yuv.getPlaneData(1);
        byte[] cr = yuv.getPlaneData(2);
        int cw = w >> 1;
        for (int by = 0; by < h; by += 2) {
            for (int bx = 0; bx < w; bx += 2) {
                double sumB = 0;
                double sumR = 0;
                for (int dy = 0; dy < 2; dy++) {
                    for (int dx = 0; dx < 2; dx++) {
                        int p = frame.pixel(bx + dx, by + dy);
                        int r = (p >> 16) & 0xff;
                        int g = (p >> 8) & 0xff;
                        int b = p & 0xff;
                        double luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
                        y[(by + dy) * w + bx + dx] = (byte) (sample(16 + luma * 219 / 255) - 128);
                        sumB += (b - luma) / 1.8556;
                        sumR += (r - luma) / 1.5748;
                    }
                }
                int c = (by >> 1) * cw + (bx >> 1);
                cb[c] = (byte) (sample(128 + sumB / 4 * 224 / 255) - 128);
                cr[c] = (byte) (sample(128 + sumR / 4 * 224 / 255) - 128);
            }
        }
    }

    private static int sample(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** JCodec's encoder with the stream's declarations set: profile, level, colour, timing, no reordering. */
    private static final class Encoder extends H264Encoder {
        private final int level;
        private final int fps;

        Encoder(int level, int fps) {
            super(new FixedQuantiser());
            this.level = level;
            this.fps = fps;
        }

        @Override
        public SeqParameterSet initSPS(Size size) {
            SeqParameterSet sps = super.initSPS(size);
            // profile_idc 66 with constraint_set0 and constraint_set1: Constrained Baseline.
            sps.constraintSet0Flag = true;
            sps.constraintSet1Flag = true;
            sps.levelIdc = level;
            VUIParameters vui = new VUIParameters();
            vui.videoSignalTypePresentFlag = true;
            vui.videoFormat = 5; // unspecified
            vui.videoFullRangeFlag = false;
            vui.colourDescriptionPresentFlag = true;
            vui.colourPrimaries = 1; // BT.709 = sRGB's primaries
            vui.transferCharacteristics = 1; // BT.709
            vui.matrixCoefficients = 1; // BT.709
            vui.timingInfoPresentFlag = true;
            vui.numUnitsInTick = 1;
            vui.timeScale = 2 * fps; // two ticks a frame (a field each)
            vui.fixedFrameRateFlag = true;
            VUIParameters.BitstreamRestriction restriction = new VUIParameters.BitstreamRestriction();
            restriction.motionVectorsOverPicBoundariesFlag = true;
            restriction.maxBytesPerPicDenom = 2;
            restriction.maxBitsPerMbDenom = 1;
            restriction.log2MaxMvLengthHorizontal = 16;
            restriction.log2MaxMvLengthVertical = 16;
            restriction.numReorderFrames = 0; // frames come out as they go in
            restriction.maxDecFrameBuffering = 1;
            vui.bitstreamRestriction = restriction;
            sps.vuiParams = vui;
            return sps;
        }
    }

    /**
     * Fixed quantisers, raised only for a picture that would not fit its buffer (the encoder's
     * budget is 8 bits a pixel, which no dream reaches).
     */
    private static final class FixedQuantiser implements RateControl {
        private int bitsPerMb;

        @Override
        public int startPicture(Size size, int maxSize, SliceType sliceType) {
            int macroblocks = ((size.getWidth() + 15) >> 4) * ((size.getHeight() + 15) >> 4);
            bitsPerMb = (int) Math.min(Integer.MAX_VALUE, ((long) maxSize << 3) / macroblocks);
            return sliceType == SliceType.P ? QP_P : QP_I;
        }

        @Override
        public int initialQpDelta() {
            return 0;
        }

        @Override
        public int accept(int bits) {
            return bits >= bitsPerMb ? 1 : 0;
        }
    }

    /** H.264's levels (Table A-1): the lowest whose frame size and macroblock rate hold the video. */
    static final class Levels {
        // level_idc, MaxMBPS, MaxFS
        private static final int[][] TABLE = {
            {30, 40_500, 1_620},
            {31, 108_000, 3_600},
            {32, 216_000, 5_120},
            {40, 245_760, 8_192},
            {42, 522_240, 8_704},
            {50, 589_824, 22_080},
            {51, 983_040, 36_864},
            {52, 2_073_600, 36_864},
            {60, 4_177_920, 139_264},
            {61, 8_355_840, 139_264},
            {62, 16_711_680, 139_264},
        };

        private Levels() {}

        /** From level 3 up: smaller levels save nothing and some players mishandle them. */
        static int lowest(int width, int height, int fps) {
            long mbs = (long) ((width + 15) >> 4) * ((height + 15) >> 4);
            long side = Math.max((width + 15) >> 4, (height + 15) >> 4);
            for (int[] level : TABLE) {
                // A side may be at most sqrt(8·MaxFS) macroblocks (A.3.1).
                if (mbs <= level[2] && side * side <= 8L * level[2] && mbs * fps <= level[1]) {
                    return level[0];
                }
            }
            throw new IllegalArgumentException("a " + width + "×" + height + " video at " + fps
                    + " fps is beyond H.264's largest level (6.2); use a smaller image, a lower fps or gif");
        }
    }
}
