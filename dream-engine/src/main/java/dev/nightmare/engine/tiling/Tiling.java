package dev.nightmare.engine.tiling;

import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * When an iteration runs in tiles, and how large they are: never; always at a fixed tile size; or
 * (the default) when the network's state for the whole working size would exceed a memory budget,
 * in the largest tiles whose state fits it. Plans are made once per (layer, working size).
 */
public final class Tiling {
    /**
     * The default memory one iteration may hold, image-sized buffers and the network's state
     * together: 1.25 GiB, so that with the JVM and the weights a 4096×3072 vgg-conv run stays within
     * 2 GiB of RSS.
     */
    public static final long DEFAULT_ITERATION_BYTES = 5L << 28;

    private final long budgetBytes;
    private final int tileWidth;
    private final int tileHeight;
    private final Map<List<Integer>, Optional<TilePlan>> plans = new HashMap<>();

    private Tiling(long budgetBytes, int tileWidth, int tileHeight) {
        this.budgetBytes = budgetBytes;
        this.tileWidth = tileWidth;
        this.tileHeight = tileHeight;
    }

    /** Never tiles (a working size that does not fit fails as it always did). */
    public static Tiling none() {
        return new Tiling(Long.MAX_VALUE, 0, 0);
    }

    /** Tiles of at most {@code tileWidth × tileHeight} whenever the working size is larger. */
    public static Tiling fixed(int tileWidth, int tileHeight) {
        if (tileWidth < 1 || tileHeight < 1) {
            throw new IllegalArgumentException("tile sizes must be positive");
        }
        return new Tiling(Long.MAX_VALUE, tileWidth, tileHeight);
    }

    /** Tiles when the state of a whole working size would exceed {@code bytes}. */
    public static Tiling budget(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("the memory budget must be positive");
        }
        return new Tiling(bytes, 0, 0);
    }

    /**
     * Tiles sized so that one iteration on a {@code width × height} image holds at most {@code
     * bytes}: its image-sized buffers ({@link IterationMemory#TILED_FLOATS_PER_PIXEL}) and the
     * network's state. When the image's own buffers leave less than a small tile's state, tiles
     * are as small as the receptive field allows (admission refuses such jobs in the services).
     */
    public static Tiling withinIteration(long bytes, int width, int height) {
        long images = (long) IterationMemory.TILED_FLOATS_PER_PIXEL * Float.BYTES * width * height;
        return budget(Math.max(1, bytes - images));
    }

    /** Tiles for the default iteration memory ({@link #DEFAULT_ITERATION_BYTES}) at a {@code width × height} image. */
    public static Tiling automatic(int width, int height) {
        return withinIteration(DEFAULT_ITERATION_BYTES, width, height);
    }

    /** Whether the tile size is fixed ({@link #fixed}) rather than sized for a budget. */
    public boolean fixedSize() {
        return tileWidth > 0;
    }

    /** The budget tiles are sized for; {@link Long#MAX_VALUE} when none. */
    public long budgetBytes() {
        return budgetBytes;
    }

    /**
     * The tiles for an iteration on layers {@code 0..layer} at {@code width × height}, or empty to
     * run it whole: when it fits, or when the layers cannot be tiled exactly (then it runs whole).
     */
    public Optional<TilePlan> plan(DreamSession session, int layer, int width, int height) {
        return plan(session, layer, layer, width, height);
    }

    /**
     * The tiles for {@code layer} cut as those of the deeper {@code geometryLayer} (the deepest a
     * run's {@code -range} picks): every layer of the range then runs on one set of tile sizes, so
     * a session prepares (and keeps) a third as many working sizes for range 3.
     */
    public Optional<TilePlan> plan(DreamSession session, int layer, int geometryLayer, int width, int height) {
        if (layer == geometryLayer) {
            return plans.computeIfAbsent(List.of(layer, width, height), k -> makePlan(session, layer, width, height));
        }
        List<Integer> key = List.of(layer, geometryLayer, width, height);
        Optional<TilePlan> known = plans.get(key);
        if (known != null) {
            return known;
        }
        Optional<TilePlan> plan = plan(session, geometryLayer, width, height).map(geometry -> {
            NetworkSpec spec = session.model().spec();
            ReceptiveField target = ReceptiveField.of(
                            spec, layer, session.options().batchNormGradient())
                    .tileable()
                    .orElseThrow();
            Shape out = spec.outputShapes(width, height, layer).get(layer);
            return geometry.retarget(target, out.width(), out.height());
        });
        plans.put(key, plan);
        return plan;
    }

    /** Why layers {@code 0..layer} of this session cannot be tiled; empty when they can. */
    public static Optional<String> whyNotTileable(DreamSession session, int layer) {
        return Optional.ofNullable(ReceptiveField.of(
                        session.model().spec(), layer, session.options().batchNormGradient())
                .whyNot());
    }

    private Optional<TilePlan> makePlan(DreamSession session, int layer, int width, int height) {
        NetworkSpec spec = session.model().spec();
        Optional<ReceptiveField> field = ReceptiveField.of(
                        spec, layer, session.options().batchNormGradient())
                .tileable();
        if (field.isEmpty() || (tileWidth == 0 && fits(session, layer, width, height))) {
            return Optional.empty();
        }
        int tw = tileWidth;
        int th = tileHeight;
        if (tw == 0) {
            // Never below a core of twice the halo: smaller tiles would spend most of their work on halos.
            int shortest = IterationMemory.smallestSensibleTile(field.get());
            int side = largest(shortest, Math.max(width, height), t -> fits(session, layer, t, t));
            tw = side;
            th = side;
            // A thin image gives its long side what its short side leaves.
            if (height <= side) {
                th = height;
                tw = largest(side, width, t -> fits(session, layer, t, height));
            } else if (width <= side) {
                tw = width;
                th = largest(side, height, t -> fits(session, layer, width, t));
            }
        }
        if (tw >= width && th >= height) {
            return Optional.empty();
        }
        Shape out = spec.outputShapes(width, height, layer).get(layer);
        return Optional.of(TilePlan.of(field.get(), width, height, out.width(), out.height(), tw, th));
    }

    /** The largest t in [low, high] for which {@code fits} holds (low when none does). */
    private static int largest(int low, int high, java.util.function.IntPredicate fits) {
        if (high <= low || !fits.test(low)) {
            return low;
        }
        int lo = low, hi = high;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (fits.test(mid)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Whether the network's state at {@code width × height} fits the budget. */
    private boolean fits(DreamSession session, int layer, int width, int height) {
        return stateBytes(session, layer, width, height) <= budgetBytes;
    }

    /** The network's state for one iteration at this size: the backend's estimate, or the cfg's. */
    public static long stateBytes(DreamSession session, int layer, int width, int height) {
        NetworkSpec spec = session.model().spec();
        long backend = session.backend().estimateWorkingSet(spec, layer, width, height, 1);
        return backend > 0 ? backend : IterationMemory.wholeBytes(spec, layer, width, height);
    }
}
