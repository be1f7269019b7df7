package dev.nightmare.engine.tiling;

import java.util.ArrayList;
import java.util.List;

/**
 * How one working size is cut into tiles: along each axis, tile inputs of one length (the last
 * ends at the image's edge), the shortest that needs no more tiles than the longest allowed,
 * starting on multiples of the receptive field's stride, and cores that partition the axis, each
 * at least a halo inside its tile's inner edges. A tile's core is where its input gradient is
 * exact; the cores' target-layer cells partition the target layer.
 *
 * @param width the working width
 * @param height the working height
 * @param columns spans across
 * @param rows spans down
 */
public record TilePlan(int width, int height, ReceptiveField field, List<Span> columns, List<Span> rows) {
    public TilePlan {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /**
     * One axis of tiles: tile input {@code [from, to)}, core {@code [coreFrom, coreTo)}, and the
     * core's target-layer cells {@code [outFrom, outTo)} (absolute positions on that layer).
     */
    public record Span(int from, int to, int coreFrom, int coreTo, int outFrom, int outTo) {
        public int length() {
            return to - from;
        }
    }

    /** One tile: a column span and a row span. */
    public record Tile(Span column, Span row) {
        public int x() {
            return column.from();
        }

        public int y() {
            return row.from();
        }

        public int width() {
            return column.length();
        }

        public int height() {
            return row.length();
        }
    }

    /**
     * Tiles of at most {@code tileWidth × tileHeight} inputs for a {@code width × height} working
     * size whose target layer is {@code outWidth × outHeight}. An axis no longer than its tile
     * length is one span.
     *
     * @throws IllegalArgumentException if a tile is too short to hold a core beside its halos
     */
    public static TilePlan of(
            ReceptiveField field, int width, int height, int outWidth, int outHeight, int tileWidth, int tileHeight) {
        return new TilePlan(
                width,
                height,
                field,
                axis(field, width, outWidth, tileWidth),
                axis(field, height, outHeight, tileHeight));
    }

    /**
     * The same tiles for a shallower target whose field's stride divides this plan's (the layers of
     * a {@code -range} share one geometry, so their tiles are one set of sizes): the cores' target
     * cells recomputed for a target of {@code outWidth × outHeight}.
     */
    public TilePlan retarget(ReceptiveField target, int outWidth, int outHeight) {
        if (field.stride() % target.stride() != 0 || target.halo() > field.halo()) {
            throw new IllegalArgumentException("a plan for a field of stride " + field.stride() + " and halo "
                    + field.halo() + " does not hold a target of stride " + target.stride() + " and halo "
                    + target.halo());
        }
        return new TilePlan(
                width, height, target, retarget(columns, target, outWidth), retarget(rows, target, outHeight));
    }

    private static List<Span> retarget(List<Span> spans, ReceptiveField target, int outLength) {
        List<Span> out = new ArrayList<>();
        for (int i = 0; i < spans.size(); i++) {
            Span s = spans.get(i);
            boolean last = i == spans.size() - 1;
            out.add(new Span(
                    s.from(),
                    s.to(),
                    s.coreFrom(),
                    s.coreTo(),
                    s.coreFrom() / target.stride(),
                    last ? outLength : s.coreTo() / target.stride()));
        }
        return out;
    }

    /** The shortest tile length that {@link #of} accepts for this field: a core of one stride beside two halos. */
    public static int shortestTile(ReceptiveField field) {
        return 2 * field.halo() + field.stride();
    }

    private static List<Span> axis(ReceptiveField field, int length, int outLength, int tile) {
        if (length <= tile) {
            return List.of(new Span(0, length, 0, length, 0, outLength));
        }
        int stride = field.stride();
        int halo = field.halo();
        // Tile lengths are multiples of the stride so that every tile's origin is one.
        int longest = tile / stride * stride;
        if (longest < shortestTile(field)) {
            throw new IllegalArgumentException("a tile of " + tile + " is shorter than the " + shortestTile(field)
                    + " that a halo of " + halo + " on each side needs");
        }
        int t = balanced(length, longest, stride, halo);
        int step = t - 2 * halo;
        List<Span> spans = new ArrayList<>();
        int coreFrom = 0;
        for (int from = 0; ; from += step) {
            boolean last = from + t >= length;
            int to = last ? length : from + t;
            int coreTo = last ? length : to - halo;
            spans.add(new Span(from, to, coreFrom, coreTo, coreFrom / stride, last ? outLength : coreTo / stride));
            if (last) {
                return spans;
            }
            coreFrom = coreTo;
        }
    }

    /**
     * The shortest tile length (a multiple of the stride) that covers {@code length} in as few tiles
     * as tiles of {@code longest} do: the tiles are then of one size but for the last, which the
     * image's edge cuts by less than a stride per tile, rather than full tiles and a sliver. The
     * halos cost the same pixels either way; one size means one set of the backend's per-size state
     * (and of its first-iteration set-up) where there were two, and a smaller largest tile.
     */
    static int balanced(int length, int longest, int stride, int halo) {
        int step = longest - 2 * halo;
        int count = 1 + Math.ceilDiv(length - longest, step);
        // Never longer than longest: count tiles of longest cover the length, and it is a stride multiple.
        int t = Math.ceilDiv(length + (count - 1) * 2 * halo, count);
        return Math.ceilDiv(t, stride) * stride;
    }

    /** Every tile, row by row. */
    public List<Tile> tiles() {
        List<Tile> tiles = new ArrayList<>();
        for (Span row : rows) {
            for (Span column : columns) {
                tiles.add(new Tile(column, row));
            }
        }
        return tiles;
    }

    public int count() {
        return columns.size() * rows.size();
    }

    /** Input pixels of every tile over the working size's: what the halos cost. */
    public double overhead() {
        long tiled = 0;
        for (Tile t : tiles()) {
            tiled += (long) t.width() * t.height();
        }
        return (double) tiled / ((long) width * height);
    }

    /** "3×2 tiles of 1024×1024, halo 64": the plan as a person reads it. */
    public String describe() {
        Tile first = tiles().getFirst();
        return columns.size() + "×" + rows.size() + " tiles of up to " + first.width() + "×" + first.height()
                + " (halo " + field.halo() + ")";
    }
}
