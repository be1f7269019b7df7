package dev.nightmare.engine.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.nightmare.engine.tiling.TilePlan.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How an axis is cut: as few tiles as the longest allowed needs, of one length but for the last,
 * which the edge cuts by less than a stride per tile (origins stay on multiples of the stride).
 */
class TilePlanTest {
    /** vgg-conv layer 10's field: stride 8, halo 64. */
    private static final ReceptiveField VGG10 = new ReceptiveField(8, 26, 33);

    @Test
    void twoTilesOfOneSizeRatherThanAFullTileAndASliver() {
        TilePlan plan = TilePlan.of(VGG10, 1024, 768, 128, 96, 904, 904);
        assertThat(plan.columns()).extracting(Span::from, Span::to).containsExactly(tuple(0, 576), tuple(448, 1024));
        assertThat(plan.rows()).hasSize(1);
        assertThat(plan.overhead()).isEqualTo((1024 + 128) / 1024.0);
    }

    @Test
    void everyAxisNeedsNoMoreTilesThanTheLongestAndOnlyItsLastIsShorter() {
        ReceptiveField field = VGG10;
        int halo = field.halo();
        int stride = field.stride();
        for (int longest = TilePlan.shortestTile(field); longest <= 700; longest += 13) {
            for (int length = longest + 1; length <= 3000; length += 37) {
                List<Span> spans = TilePlan.of(field, length, 1, length / stride, 1, longest, 1)
                        .columns();
                int greedy = greedyCount(length, longest / stride * stride, halo);
                assertThat(spans).as("%d in tiles of %d", length, longest).hasSize(greedy);
                int first = spans.getFirst().length();
                assertThat(first).isLessThanOrEqualTo(longest);
                for (Span span : spans.subList(0, spans.size() - 1)) {
                    assertThat(span.length()).isEqualTo(first);
                    assertThat(span.from() % stride).isZero();
                }
                Span last = spans.getLast();
                assertThat(last.to()).isEqualTo(length);
                assertThat(first - last.length())
                        .as("%d in tiles of %d: %s", length, longest, spans)
                        .isBetween(0, spans.size() * stride - 1);
                int at = 0;
                for (Span span : spans) {
                    assertThat(span.coreFrom()).isEqualTo(at);
                    at = span.coreTo();
                }
                assertThat(at).isEqualTo(length);
            }
        }
    }

    /** The count of the cut before balancing: tiles of {@code t}, two halos overlapping, to the edge. */
    private static int greedyCount(int length, int t, int halo) {
        int count = 1;
        for (int from = 0; from + t < length; from += t - 2 * halo) {
            count++;
        }
        return count;
    }
}
