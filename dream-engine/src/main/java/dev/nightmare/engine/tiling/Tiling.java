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
    /** Whether tiled iterations keep their tiles' backward states (else each tile is forwarded twice). */
    private final boolean keepStates;

    private final Map<List<Integer>, Optional<TilePlan>> plans = new HashMap<>();

    private Tiling(long budgetBytes, int tileWidth, int tileHeight, boolean keepStates) {
        this.budgetBytes = budgetBytes;
        this.tileWidth = tileWidth;
        this.tileHeight = tileHeight;
        this.keepStates = keepStates;
    }

    private Tiling(long budgetBytes, int tileWidth, int tileHeight) {
        this(budgetBytes, tileWidth, tileHeight, true);
    }

    /**
     * The same tiles, with every tile forwarded a second time rather than its backward state kept:
     * what tiling cost before states were kept, for comparisons.
     */
    public Tiling forwardingTwice() {
        return new Tiling(budgetBytes, tileWidth, tileHeight, false);
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
        if (field.isEmpty() || (tileWidth == 0 && fits(session, layer, width, height, budgetBytes))) {
            return Optional.empty();
        }
        if (tileWidth > 0) {
            return planned(spec, field.get(), layer, width, height, tileWidth, tileHeight);
        }
        Optional<TilePlan> plan = sized(session, field.get(), layer, width, height, budgetBytes);
        return keepStates ? plan.map(p -> withRoomToKeep(session, field.get(), layer, p)) : plan;
    }

    /**
     * {@code plan}, or tiles a little smaller whose kept backward states fit the budget beside the
     * largest tile's state, when the backend keeps such states: the second pass then back-propagates
     * every tile without forwarding it again. The states are a few percent of the state they stand
     * for, so the tiles shrink by about that; where they would not fit beside a sensible tile (a
     * poster on a small budget), {@code plan} stays and its tiles keep what the budget leaves.
     */
    private TilePlan withRoomToKeep(DreamSession session, ReceptiveField field, int layer, TilePlan plan) {
        long reserve = stateToKeep(session, layer, plan);
        long least = stateBytes(
                session,
                layer,
                IterationMemory.smallestSensibleTile(field),
                IterationMemory.smallestSensibleTile(field));
        for (int attempt = 0; attempt < 3 && reserve > 0 && budgetBytes - reserve >= least; attempt++) {
            Optional<TilePlan> smaller =
                    sized(session, field, layer, plan.width(), plan.height(), budgetBytes - reserve);
            if (smaller.isEmpty()) {
                return plan;
            }
            long needed = stateToKeep(session, layer, smaller.get());
            if (needed + largestState(session, layer, smaller.get()) <= budgetBytes) {
                return smaller.get();
            }
            reserve = needed;
        }
        return plan;
    }

    /** Bytes of the backward states an iteration in {@code plan}'s tiles keeps: every tile's but the largest's. */
    private static long stateToKeep(DreamSession session, int layer, TilePlan plan) {
        List<TilePlan.Tile> tiles = plan.tiles();
        long sum = 0;
        long largest = 0;
        for (TilePlan.Tile t : tiles) {
            long bytes = session.backwardStateBytes(layer, t.width(), t.height());
            if (bytes <= 0) {
                return 0;
            }
            sum += bytes;
            largest = Math.max(largest, bytes);
        }
        return sum - largest;
    }

    private static long largestState(DreamSession session, int layer, TilePlan plan) {
        long largest = 0;
        for (TilePlan.Tile t : plan.tiles()) {
            largest = Math.max(largest, stateBytes(session, layer, t.width(), t.height()));
        }
        return largest;
    }

    /**
     * Bytes of backward state an iteration in {@code plan}'s tiles may keep: what the budget leaves
     * beside its largest tile's state; with tiles fixed by size, {@link #DEFAULT_ITERATION_BYTES}.
     */
    public long keptStateBytes(DreamSession session, int layer, TilePlan plan) {
        if (!keepStates) {
            return 0;
        }
        if (budgetBytes == Long.MAX_VALUE) {
            return fixedSize() ? DEFAULT_ITERATION_BYTES : 0;
        }
        return Math.max(0, budgetBytes - largestState(session, layer, plan));
    }

    /** The largest tiles whose state fits {@code budget}; empty when the image itself does. */
    private Optional<TilePlan> sized(
            DreamSession session, ReceptiveField field, int layer, int width, int height, long budget) {
        // Never below a core of twice the halo: smaller tiles would spend most of their work on halos.
        int shortest = IterationMemory.smallestSensibleTile(field);
        int side = largest(shortest, Math.max(width, height), t -> fits(session, layer, t, t, budget));
        int tw = side;
        int th = side;
        // A thin image gives its long side what its short side leaves.
        if (height <= side) {
            th = height;
            tw = largest(side, width, t -> fits(session, layer, t, height, budget));
        } else if (width <= side) {
            tw = width;
            th = largest(side, height, t -> fits(session, layer, width, t, budget));
        }
        return planned(session.model().spec(), field, layer, width, height, tw, th);
    }

    private static Optional<TilePlan> planned(
            NetworkSpec spec, ReceptiveField field, int layer, int width, int height, int tw, int th) {
        if (tw >= width && th >= height) {
            return Optional.empty();
        }
        Shape out = spec.outputShapes(width, height, layer).get(layer);
        return Optional.of(TilePlan.of(field, width, height, out.width(), out.height(), tw, th));
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

    /** Whether the network's state at {@code width × height} fits {@code budget}. */
    private static boolean fits(DreamSession session, int layer, int width, int height, long budget) {
        return stateBytes(session, layer, width, height) <= budget;
    }

    /** The network's state for one iteration at this size: the backend's estimate, or the cfg's. */
    public static long stateBytes(DreamSession session, int layer, int width, int height) {
        NetworkSpec spec = session.model().spec();
        long backend = session.backend().estimateWorkingSet(spec, layer, width, height, 1);
        return backend > 0 ? backend : IterationMemory.wholeBytes(spec, layer, width, height);
    }
}
