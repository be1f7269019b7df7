package dev.nightmare.worker.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.retry.Retry;
import dev.nightmare.worker.service.Delivery;
import dev.nightmare.worker.service.Disposition;
import dev.nightmare.worker.testing.InMemoryJobStore;
import dev.nightmare.worker.testing.RecordingEvents;
import dev.nightmare.worker.testing.TestJobs;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages that cannot be read: dead-lettered with their reason, their job failed where it can be named. */
class UnreadableRequestsTest {
    private final List<String> log = new ArrayList<>();
    private final InMemoryJobStore store = new InMemoryJobStore(log);
    private final RecordingEvents events = new RecordingEvents(log);
    private final UnreadableRequests unreadable = new UnreadableRequests(
            store,
            events,
            Retry.backoff(Duration.ofMillis(100), Duration.ofMillis(400))
                    .giveUpAfter(Duration.ofSeconds(2))
                    .sleeper(millis -> {}),
            "worker-a",
            Clock.systemUTC());

    private Disposition deliver(Delivery delivery) {
        try {
            ContractJson.readRequest(delivery.value());
            throw new AssertionError("the message was readable");
        } catch (ContractException e) {
            return unreadable.deadLetter(delivery, e, () -> false);
        }
    }

    @Test
    void malformedMessageIsDeadLetteredAndItsJobFailed() {
        JobRequest request = TestJobs.request(JobIds.random(), TestJobs.options(1, 1));
        TestJobs.submit(store, request);
        byte[] broken = ("{\"schemaVersion\":1,\"jobId\":\"" + request.jobId() + "\",\"rounds\":").getBytes();

        Disposition disposition = deliver(new Delivery(request.jobId(), broken, 1));

        assertThat(disposition).isInstanceOf(Disposition.DeadLetter.class);
        assertThat(((Disposition.DeadLetter) disposition).reason()).isEqualTo("MALFORMED");
        JobStatus status = store.storedStatus(request.jobId());
        assertThat(status.state()).isEqualTo(JobState.FAILED);
        assertThat(status.error()).startsWith("the request could not be read");
        assertThat(status.rounds()).as("sizes from request.json").isEqualTo(1);
        assertThat(events.types()).containsExactly(EventType.FAILED);
    }

    @Test
    void unknownSchemaVersionWithoutReadableJobIsOnlyDeadLettered() {
        byte[] future = "{\"schemaVersion\":99,\"jobId\":\"not-an-id\"}".getBytes();

        Disposition disposition = deliver(new Delivery("junk", future, 1));

        assertThat(disposition)
                .isEqualTo(new Disposition.DeadLetter(
                        "UNSUPPORTED_SCHEMA_VERSION", ((Disposition.DeadLetter) disposition).message()));
        assertThat(store.keys()).isEmpty();
    }
}
