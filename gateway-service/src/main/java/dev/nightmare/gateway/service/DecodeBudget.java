package dev.nightmare.gateway.service;

import dev.nightmare.contracts.FieldProblem;
import dev.nightmare.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The heap this replica lets image decodes use at once. A decode holds {@link #BYTES_PER_PIXEL}
 * bytes a pixel at its peak (ImageIO's raster, the engine's float image, the downscaled copy), so a
 * small file with a large declared size — a 6000×6000 PNG of one colour is 100 KB on the wire and
 * over 800 MB being decoded — could otherwise exhaust the heap, alone or a few at once, and take
 * every other request down with it. Each decode reserves its bytes, from the header's size, before
 * decoding: one that cannot fit even alone is refused (422), one that must wait longer than {@code
 * waitMillis} for others to finish is deferred (503 + Retry-After).
 */
@ApplicationScoped
public class DecodeBudget {
    /**
     * Peak bytes a pixel while decoding: the raster (at most 8: 16-bit RGBA), the float image (12)
     * and, while it is downscaled, part of the smaller copy (up to 12 more; at least 4 counted).
     */
    public static final int BYTES_PER_PIXEL = 24;

    private static final long UNIT = 1024;

    private final long budgetBytes;
    private final long waitMillis;
    private final Semaphore units;

    /** A reservation; {@link #close()} gives the bytes back (once). */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    @Inject
    public DecodeBudget(GatewayConfig config) {
        this(
                config.limits().decodeMemoryBytes().orElse(defaultBytes()),
                config.limits().decodeWaitMillis());
    }

    /**
     * 60% of the maximum heap: with the stated 512 MiB heap, 307 MiB, so one decode of the default
     * 12-megapixel limit fits (24 bytes a pixel) beside everything else the gateway holds.
     */
    static long defaultBytes() {
        return Runtime.getRuntime().maxMemory() * 3 / 5;
    }

    public DecodeBudget(long budgetBytes, long waitMillis) {
        this.budgetBytes = Math.max(UNIT, budgetBytes);
        this.waitMillis = waitMillis;
        this.units = new Semaphore((int) Math.min(Integer.MAX_VALUE, this.budgetBytes / UNIT), true);
    }

    /** The largest image (in pixels) this replica can decode at all. */
    public long maxPixels() {
        return budgetBytes / BYTES_PER_PIXEL;
    }

    /**
     * Reserves the memory to decode a {@code width × height} image.
     *
     * @throws ApiException 422 when it does not fit in the whole budget, 503 when the budget stays
     *     taken by other decodes for {@code waitMillis}
     */
    public Permit reserve(int width, int height) {
        long pixels = (long) width * height;
        if (pixels > maxPixels()) {
            String why = "image is " + width + "×" + height + " = " + pixels + " pixels; this service decodes at most "
                    + maxPixels() + " (scale it down)";
            throw new ApiException(422, why, List.of(new FieldProblem("image", why)), 0);
        }
        int needed = (int) Math.max(1, (pixels * BYTES_PER_PIXEL + UNIT - 1) / UNIT);
        boolean reserved;
        try {
            reserved = units.tryAcquire(needed, waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reserved = false;
        }
        if (!reserved) {
            throw ApiException.unavailable("the service is busy decoding other large images; retry shortly", 2);
        }
        return new Permit() {
            private boolean released;

            @Override
            public synchronized void close() {
                if (!released) {
                    released = true;
                    units.release(needed);
                }
            }
        };
    }

    /** Bytes free now; for tests and metrics. */
    public long availableBytes() {
        return (long) units.availablePermits() * UNIT;
    }
}
