package dev.nightmare.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.JobEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentEventsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static StreamedEvent round(String job, int round, int partition, long offset) {
        return new StreamedEvent(
                new EventId(partition, offset), JobEvent.round(job, NOW, "w", "a", round, 4, 1, "k" + round, null));
    }

    private static StreamedEvent progress(String job, int partition, long offset) {
        return new StreamedEvent(new EventId(partition, offset), JobEvent.progress(job, NOW, "w", "a", 0, 1, 4, 1));
    }

    private static List<Integer> rounds(List<StreamedEvent> events) {
        return events.stream().map(e -> e.event().round()).toList();
    }

    @Test
    void resumesWithTheEventsAfterTheLastSeenOneOfThatJobOnly() {
        RecentEvents recent = new RecentEvents(8, 8);
        recent.readingFrom(0, 10);
        recent.record(round("a", 0, 0, 10));
        recent.record(round("b", 0, 0, 11));
        recent.record(progress("a", 0, 12));
        recent.record(round("a", 1, 0, 13));
        recent.record(round("a", 2, 0, 14));

        assertThat(recent.after("a", new EventId(0, 12)).map(RecentEventsTest::rounds))
                .contains(List.of(1, 2));
        assertThat(recent.after("a", new EventId(0, 9)).map(RecentEventsTest::rounds))
                .as("the id just before the first offset read: nothing was missed before it")
                .contains(List.of(0, 1, 2));
        assertThat(recent.after("a", new EventId(0, 14))).contains(List.of());
        assertThat(recent.after("c", new EventId(0, 14)))
                .as("a job with no events since: nothing to replay")
                .contains(List.of());
    }

    @Test
    void refusesWhatItCannotBeSureOf() {
        RecentEvents recent = new RecentEvents(2, 2);
        recent.readingFrom(0, 100);
        recent.record(round("a", 0, 0, 100));
        recent.record(round("a", 1, 0, 101));
        recent.record(round("a", 2, 0, 102));

        assertThat(recent.after("a", new EventId(0, 50)))
                .as("before this replica read")
                .isEmpty();
        assertThat(recent.after("a", new EventId(1, 50)))
                .as("a partition it does not read")
                .isEmpty();
        assertThat(recent.after("a", new EventId(0, 999)))
                .as("an id it never saw")
                .isEmpty();
        assertThat(recent.after("a", new EventId(0, 99)))
                .as("round 0 was forgotten to keep two per job")
                .isEmpty();
        assertThat(recent.after("a", new EventId(0, 100)).map(RecentEventsTest::rounds))
                .contains(List.of(1, 2));

        recent.record(round("b", 0, 0, 103));
        recent.record(round("c", 0, 0, 104));
        assertThat(recent.after("a", new EventId(0, 101)))
                .as("job a was dropped to keep two jobs; its last offset was 102")
                .isEmpty();
        assertThat(recent.after("a", new EventId(0, 103))).contains(List.of());
    }

    @Test
    void parsesOnlyItsOwnIds() {
        assertThat(EventId.parse("3-1245")).contains(new EventId(3, 1245));
        assertThat(EventId.parse(new EventId(0, 7).toString())).contains(new EventId(0, 7));
        for (String bad : new String[] {null, "", "abc", "3-", "-4", "3-x", "1-2-3", "-1-5", "99999999999-1"}) {
            assertThat(EventId.parse(bad)).as(String.valueOf(bad)).isEmpty();
        }
    }

    @Test
    void progressIsNotKeptButCountsAsSeen() {
        RecentEvents recent = new RecentEvents(4, 4);
        recent.readingFrom(0, 0);
        recent.record(progress("a", 0, 0));
        recent.record(progress("a", 0, 1));
        assertThat(recent.after("a", new EventId(0, 1))).contains(List.of());
        assertThat(recent.after("a", new EventId(0, 0)))
                .as("progress 1 is not replayed")
                .contains(List.of());
    }
}
