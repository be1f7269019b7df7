package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobKeysTest {
    private static final String ID = Samples.JOB_ID;

    @Test
    void layoutMatchesTheArchitecture() {
        assertThat(JobKeys.request(ID)).isEqualTo("jobs/" + ID + "/request.json");
        assertThat(JobKeys.input(ID)).isEqualTo("jobs/" + ID + "/input.png");
        assertThat(JobKeys.status(ID)).isEqualTo("jobs/" + ID + "/status.json");
        assertThat(JobKeys.cancel(ID)).isEqualTo("jobs/" + ID + "/cancel");
        assertThat(JobKeys.roundImage(ID, 0, "png")).isEqualTo("jobs/" + ID + "/rounds/round-000000.png");
        assertThat(JobKeys.roundImage(ID, 12, "jpg")).isEqualTo("jobs/" + ID + "/rounds/round-000012.jpg");
        assertThat(JobKeys.roundCheckpoint(ID, 3)).isEqualTo("jobs/" + ID + "/rounds/round-000003.f32");
    }

    @Test
    void roundNumbersParseBack() {
        assertThat(JobKeys.roundOf(JobKeys.roundImage(ID, 41, "jpg"))).hasValue(41);
        assertThat(JobKeys.roundOf(JobKeys.roundCheckpoint(ID, 0))).hasValue(0);
        assertThat(JobKeys.roundOf(JobKeys.status(ID))).isEmpty();
    }

    @Test
    void invalidIdsNeverBecomeKeys() {
        assertThatThrownBy(() -> JobKeys.input("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobKeys.roundImage(ID, -1, "png")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobKeys.roundImage(ID, 0, "gif")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ownerIndexListsNewestFirstInPlainKeyOrder() {
        String owner = JobIds.owner("bot");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            keys.add(JobKeys.ownerIndexEntry(
                    owner, Instant.ofEpochMilli(1_700_000_000_000L + i * 1000L), JobIds.random()));
        }
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort(null);
        assertThat(sorted).containsExactlyElementsOf(keys.reversed());
        assertThat(JobKeys.jobIdOfIndexEntry(JobKeys.ownerIndexEntry(owner, Samples.T0, ID)))
                .isEqualTo(ID);
        assertThat(JobKeys.createdAtOfIndexEntry(JobKeys.ownerIndexEntry(owner, Samples.T0, ID)))
                .isEqualTo(Instant.ofEpochMilli(Samples.T0.toEpochMilli()));
    }
}
