package dev.nightmare.video;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.video.testing.FfProbe;
import dev.nightmare.video.testing.TestFrames;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rounds to frames: how many, what lies between two rounds, and what is kept. */
class AnimatorTest {
    @TempDir
    Path dir;

    /** Keeps the frames it is given, for looking at them. */
    static class Recording implements VideoWriter {
        final List<Frame> frames = new ArrayList<>();
        boolean closed;

        @Override
        public void write(Frame frame) {
            frames.add(frame);
        }

        @Override
        public long frames() {
            return frames.size();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void eachRoundIsAFrameWithTheInterpolatedOnesBetween() throws Exception {
        Recording out = new Recording();
        Animation animation = new Animation(VideoFormat.MP4, 24, 3);
        List<Frame> rounds = new ArrayList<>();
        try (Animator animator = new Animator(out, animation, Motion.NONE)) {
            for (int r = 0; r < 5; r++) {
                Frame round = TestFrames.pattern(40, 30, r, r);
                rounds.add(round);
                animator.round(round);
            }
        }
        assertThat(out.frames).hasSize((int) animation.frames(5)).hasSize(17);
        assertThat(out.closed).isTrue();
        for (int r = 0; r < 5; r++) {
            assertThat(out.frames.get(4 * r)).as("round " + r).isSameAs(rounds.get(r));
        }
        assertThat(animation.seconds(5)).isEqualTo(17 / 24.0);
    }

    @Test
    void withoutMotionTheFramesBetweenAreACrossFade() {
        Frame a = TestFrames.pattern(32, 24, 0, 1);
        Frame b = TestFrames.pattern(32, 24, 2, 2);
        Frame mid = Interpolation.between(a, b, 0.25, Motion.NONE);
        for (int i = 0; i < a.rgb().length; i++) {
            for (int shift : new int[] {16, 8, 0}) {
                double expected = 0.75 * ((a.rgb()[i] >> shift) & 0xff) + 0.25 * ((b.rgb()[i] >> shift) & 0xff);
                assertThat((mid.rgb()[i] >> shift) & 0xff).isEqualTo((int) Math.round(expected));
            }
        }
    }

    @Test
    void withAZoomTheFramesBetweenMoveInsteadOfGhosting() {
        // Round k+1 is exactly round k carried once along the zoom and rotation (a run whose dream
        // adds nothing): every frame between must then be round k carried t of the way, sharp,
        // where a cross-fade would show both scales at once.
        Motion motion = new Motion(0.9, 0.05);
        Frame k = TestFrames.pattern(160, 120, 0, 3);
        Frame next = carried(k, motion);
        for (double t : new double[] {0.25, 0.5, 0.75}) {
            Frame expected = carried(k, motion.at(t));
            double blended = meanError(Interpolation.between(k, next, t, motion), expected, 20);
            double faded = meanError(Interpolation.between(k, next, t, Motion.NONE), expected, 20);
            assertThat(blended).as("t = " + t).isLessThan(2.5).isLessThan(faded / 3);
        }
    }

    @Test
    void theAnimatorKeepsOnlyThePreviousRound() throws Exception {
        Recording sink = new Recording() {
            @Override
            public void write(Frame frame) {
                // A writer that encodes and forgets, as the real ones do.
            }
        };
        List<WeakReference<Frame>> given = new ArrayList<>();
        try (Animator animator = new Animator(sink, new Animation(VideoFormat.MP4, 24, 2), new Motion(0.98, 0))) {
            for (int r = 0; r < 300; r++) {
                Frame round = TestFrames.pattern(64, 48, r, r);
                given.add(new WeakReference<>(round));
                animator.round(round);
            }
            assertThat(animator.rounds()).isEqualTo(300);
            collectGarbage();
            long alive = given.stream().filter(ref -> ref.get() != null).count();
            assertThat(alive).as("rounds still reachable after 300").isLessThanOrEqualTo(1);
        }
    }

    @Test
    void memoryOfAnMp4DoesNotGrowWithTheRounds() throws Exception {
        FfProbe.assumePresent();
        // 300 rounds of 256×256: kept, they would take 300 × 256 KiB = 75 MiB.
        Path file = dir.resolve("long.mp4");
        long after50 = 0;
        try (Animator animator = Animator.open(file, new Animation(VideoFormat.MP4, 30, 0), new Motion(0.98, 0))) {
            Frame base = TestFrames.pattern(256, 256, 0, 1);
            for (int r = 0; r < 300; r++) {
                // A fresh frame per round, as rounds arrive; its pixels change a little each time.
                int[] rgb = base.rgb().clone();
                rgb[r] ^= 0xffffff;
                animator.round(new Frame(256, 256, rgb));
                if (r == 49) {
                    after50 = usedHeap();
                }
            }
            long after300 = usedHeap();
            assertThat(after300 - after50)
                    .as("heap growth from round 50 to 300 (bytes)")
                    .isLessThan(8L << 20);
        }
        assertThat(FfProbe.probe(file).frames()).isEqualTo(300);
    }

    /** {@code frame} moved as {@code motion} moves a round to the next round's input (bilinear, black outside). */
    private static Frame carried(Frame frame, Motion motion) {
        // Interpolation at t → 1 with a black second round is exactly the first carried; do it directly.
        int w = frame.width();
        int h = frame.height();
        int[] out = new int[w * h];
        double s = motion.zoom();
        double cos = Math.cos(motion.rotateRadians());
        double sin = Math.sin(motion.rotateRadians());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = x - w / 2.0;
                double dy = y - h / 2.0;
                double sx = s * (cos * dx - sin * dy) + w / 2.0;
                double sy = s * (sin * dx + cos * dy) + h / 2.0;
                if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) {
                    continue;
                }
                int x0 = (int) sx;
                int y0 = (int) sy;
                int x1 = Math.min(x0 + 1, w - 1);
                int y1 = Math.min(y0 + 1, h - 1);
                double fx = sx - x0;
                double fy = sy - y0;
                int p = 0;
                for (int shift : new int[] {16, 8, 0}) {
                    double top = (1 - fx) * ((frame.pixel(x0, y0) >> shift) & 0xff)
                            + fx * ((frame.pixel(x1, y0) >> shift) & 0xff);
                    double bottom = (1 - fx) * ((frame.pixel(x0, y1) >> shift) & 0xff)
                            + fx * ((frame.pixel(x1, y1) >> shift) & 0xff);
                    p |= (int) Math.round((1 - fy) * top + fy * bottom) << shift;
                }
                out[y * w + x] = p;
            }
        }
        return new Frame(w, h, out);
    }

    /** Mean absolute difference per channel, away from the borders (where each layer runs out). */
    private static double meanError(Frame a, Frame b, int margin) {
        double sum = 0;
        long n = 0;
        for (int y = margin; y < a.height() - margin; y++) {
            for (int x = margin; x < a.width() - margin; x++) {
                for (int shift : new int[] {16, 8, 0}) {
                    sum += Math.abs(((a.pixel(x, y) >> shift) & 0xff) - ((b.pixel(x, y) >> shift) & 0xff));
                    n++;
                }
            }
        }
        return sum / n;
    }

    private static long usedHeap() {
        collectGarbage();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void collectGarbage() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
