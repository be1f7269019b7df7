package dev.nightmare.worker.messaging;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.retry.Retry;
import dev.nightmare.worker.service.Delivery;
import dev.nightmare.worker.service.Disposition;
import dev.nightmare.worker.service.EventPublisher;
import dev.nightmare.worker.service.JobStore;
import dev.nightmare.worker.service.PreconditionFailedException;
import dev.nightmare.worker.service.TransientException;
import dev.nightmare.worker.service.Versioned;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * A request message that cannot be read (malformed, oversized, an unknown schema version) goes to
 * the dead-letter topic with its reason. If its job id is readable and that job exists and is not
 * final, the job is failed first, with a message a user understands, so its client does not wait
 * forever (docs/architecture.md, "dlq.nightmare-requests").
 */
public final class UnreadableRequests {
    private static final Logger LOG = Logger.getLogger(UnreadableRequests.class);

    private final JobStore store;
    private final EventPublisher events;
    private final Retry retry;
    private final String workerId;
    private final Clock clock;

    public UnreadableRequests(JobStore store, EventPublisher events, Retry retry, String workerId, Clock clock) {
        this.store = store;
        this.events = events;
        this.retry = retry.retryOn(TransientException.class::isInstance);
        this.workerId = workerId;
        this.clock = clock;
    }

    /** Fails the job if it can be named (and is not final), then dead-letters the record. */
    public Disposition deadLetter(Delivery delivery, ContractException problem, BooleanSupplier abandoned) {
        String reason = problem.reason().name();
        String jobId = readableJobId(delivery);
        LOG.warnf(
                "request %s is unreadable (%s): %s",
                jobId == null ? "without a job id" : jobId, reason, problem.getMessage());
        if (jobId != null) {
            try {
                fail(
                        jobId,
                        delivery.deliveryCount(),
                        "the request could not be read: " + problem.getMessage(),
                        abandoned);
            } catch (RuntimeException e) {
                LOG.warnf("job %s: could not record the failure (%s); dead-lettering anyway", jobId, e.toString());
            }
        }
        return new Disposition.DeadLetter(reason, problem.getMessage());
    }

    private void fail(String jobId, int deliveryCount, String error, BooleanSupplier abandoned) {
        Optional<byte[]> stored = retry.call("read request of " + jobId, () -> store.request(jobId), abandoned);
        if (stored.isEmpty()) {
            return;
        }
        Optional<Versioned<JobStatus>> current =
                retry.call("read status of " + jobId, () -> store.status(jobId), abandoned);
        if (current.isPresent() && current.get().value().state().isFinal()) {
            return;
        }
        int rounds = 0;
        int iters = 0;
        try {
            JobRequest request = ContractJson.readRequest(stored.get());
            rounds = request.options().rounds();
            iters = request.options().iters();
        } catch (ContractException e) {
            // request.json is as unreadable as the message: the status records no sizes.
        }
        Instant now = clock.instant();
        String attempt = JobIds.newAttempt();
        JobStatus failed = JobStatus.started(jobId, workerId, attempt, deliveryCount, rounds, iters, 0, null, now)
                .finished(JobState.FAILED, error, now);
        try {
            retry.call(
                    "write status of " + jobId,
                    () -> store.putStatus(failed, current.map(Versioned::etag).orElse(null)),
                    abandoned);
        } catch (PreconditionFailedException e) {
            return;
        }
        events.publish(JobEvent.finished(EventType.FAILED, jobId, now, workerId, attempt, 0, error, null), true);
    }

    private static String readableJobId(Delivery delivery) {
        try {
            String id = ContractJson.mapper()
                    .readTree(delivery.value())
                    .path("jobId")
                    .asText(null);
            if (JobIds.isValid(id)) {
                return id;
            }
        } catch (Exception e) {
            // Not JSON at all: fall back to the record key.
        }
        return JobIds.isValid(delivery.key()) ? delivery.key() : null;
    }
}
