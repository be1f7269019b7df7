package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobStateTest {
    @Test
    void queuedUntilAWorkerWritesItsStatus() {
        assertThat(JobState.derive(null)).isEqualTo(JobState.QUEUED);
        assertThat(JobState.derive(Samples.status())).isEqualTo(JobState.RUNNING);
    }

    @Test
    void finalStatesComeFromTheWorker() {
        JobStatus canceled = Samples.status().finished(JobState.CANCELED, null, Samples.T0);
        assertThat(JobState.derive(canceled)).isEqualTo(JobState.CANCELED);
        assertThat(JobState.CANCELED.isFinal()).isTrue();
        assertThat(JobState.RUNNING.isFinal()).isFalse();
    }

    @Test
    void eventsMapToStates() {
        assertThat(EventType.ROUND.state()).isEqualTo(JobState.RUNNING);
        assertThat(EventType.FAILED.state()).isEqualTo(JobState.FAILED);
        assertThat(EventType.QUEUED.isFinal()).isFalse();
        assertThat(EventType.SUCCEEDED.wireName()).isEqualTo("succeeded");
    }

    @Test
    void ownershipComparesTheAttemptToken() {
        JobStatus mine = Samples.status();
        JobStatus taken = JobStatus.started(Samples.JOB_ID, "worker-b", "attempt-2", 2, 2, 3, 1, null, Samples.T0);
        assertThat(mine.sameOwner(mine.afterRound(1, 10, Samples.T0))).isTrue();
        assertThat(mine.sameOwner(taken)).isFalse();
        assertThat(mine.sameOwner(null)).isFalse();
    }
}
