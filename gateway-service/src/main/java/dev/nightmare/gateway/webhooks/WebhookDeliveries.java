package dev.nightmare.gateway.webhooks;

import dev.nightmare.gateway.service.StorageUnavailableException;
import dev.nightmare.gateway.service.WebhookPolicy;
import dev.nightmare.gateway.webhooks.WebhookOutbox.Stored;
import dev.nightmare.s3.S3UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Attempts the outbox's deliveries from one replica. A new event's delivery is stored already
 * claimed by this replica ({@link #store}) and attempted at once ({@link #start}); a failed
 * attempt is written back with its next due time and no claim, and any replica's {@link #sweep}
 * claims it again when it is due; so is one whose claimant died (its claim lapses). At most {@code
 * maxConcurrent} attempts run at once and nothing waits in memory: what cannot be attempted now
 * stays in the outbox (or, for new events, on Kafka, whose consumer waits for a free slot).
 *
 * <p>Exactly once in the normal case: the delivery is created once per event id (If-None-Match)
 * and deleted after its 2xx. At least once across a crash: a replica that dies after the
 * receiver's 2xx but before the delete leaves a claim that lapses, and the event is sent again,
 * with the same {@code webhook-id} so the receiver can tell.
 */
public final class WebhookDeliveries {
    private static final Logger LOG = Logger.getLogger(WebhookDeliveries.class);
    /** Ids listed per sweep (one S3 LIST); reads follow only for those that may be due. */
    private static final int LIST_PAGE = 1000;
    /** Due times remembered from earlier reads, so entries waiting for a later attempt are not read each sweep. */
    private static final int REMEMBERED = 10_000;

    private final WebhookOutbox outbox;
    private final WebhookSender sender;
    private final WebhookPolicy policy;
    private final RetrySchedule schedule;
    private final Duration claim;
    private final Duration timeout;
    private final Clock clock;
    private final String replica;
    private final int maxConcurrent;
    private final Semaphore slots;
    /** Sweeper thread only: where the next sweep's listing starts. */
    private String cursor;

    /**
     * Known not-before times: written by the sweeper from what it read and by this replica's
     * attempts when they end (so a failed attempt's next due time, not its lapsed claim, counts).
     */
    @SuppressWarnings("serial")
    private final Map<String, Instant> notBefore = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > REMEMBERED;
        }
    });

    public WebhookDeliveries(
            WebhookOutbox outbox,
            WebhookSender sender,
            WebhookPolicy policy,
            RetrySchedule schedule,
            Duration claim,
            Duration timeout,
            int maxConcurrent,
            Clock clock,
            String replica) {
        if (claim.compareTo(timeout.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException(
                    "nightmare.webhooks.claim-millis must be at least twice timeout-millis, so an attempt"
                            + " ends well before its claim lapses");
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("nightmare.webhooks.max-concurrent must be at least 1");
        }
        this.outbox = outbox;
        this.sender = sender;
        this.policy = policy;
        this.schedule = schedule;
        this.claim = claim;
        this.timeout = timeout;
        this.maxConcurrent = maxConcurrent;
        this.clock = clock;
        this.replica = replica;
        this.slots = new Semaphore(maxConcurrent);
    }

    /** A new delivery for an event, claimed by this replica for its first attempt. */
    public Delivery newDelivery(String id, String jobId, String eventType, String url, String body) {
        Instant now = clock.instant();
        return Delivery.first(id, jobId, eventType, url, body, now, now.plus(claim), replica);
    }

    /**
     * Stores a new event's delivery: the stored version, or empty when the outbox has it already
     * (the event was taken before: Kafka gave it again after a crash or a rebalance, or a worker
     * published it twice).
     */
    public Optional<Stored> store(Delivery delivery) {
        return outbox.create(delivery).map(etag -> new Stored(delivery, etag));
    }

    /**
     * Attempts freshly stored deliveries, those of one job one after the other in event order,
     * waiting for free slots (which bounds what the Kafka consumer takes in).
     */
    public void start(List<Stored> fresh) throws InterruptedException {
        Map<String, List<Stored>> byJob = new LinkedHashMap<>();
        for (Stored s : fresh) {
            byJob.computeIfAbsent(s.delivery().jobId(), j -> new ArrayList<>()).add(s);
        }
        for (List<Stored> job : byJob.values()) {
            slots.acquire();
            run(() -> job.forEach(this::attempt));
        }
    }

    /**
     * One look through the outbox: claims the deliveries that are due and unclaimed, while slots
     * are free, and attempts them. Never throws for an outage: the next sweep tries again.
     */
    public void sweep() {
        try {
            List<String> ids = outbox.ids(cursor, LIST_PAGE);
            String next = ids.size() < LIST_PAGE ? null : ids.getLast();
            Instant now = clock.instant();
            for (String id : ids) {
                Instant known = notBefore.get(id);
                if (known != null && known.isAfter(now)) {
                    continue;
                }
                if (!slots.tryAcquire()) {
                    int at = ids.indexOf(id); // full: this one and the rest next time
                    next = at == 0 ? cursor : ids.get(at - 1);
                    break;
                }
                boolean started = false;
                try {
                    started = claim(id, now);
                } finally {
                    if (!started) {
                        slots.release();
                    }
                }
            }
            cursor = next;
        } catch (S3UnavailableException | StorageUnavailableException e) {
            LOG.warnf("webhook outbox not swept: %s; trying again", e.getMessage());
        }
    }

    /** Claims {@code id} if it is due and unclaimed, and starts its attempt (holding the taken slot). */
    private boolean claim(String id, Instant now) {
        Optional<Stored> read = outbox.read(id);
        if (read.isEmpty()) {
            notBefore.remove(id);
            return false;
        }
        Delivery delivery = read.get().delivery();
        if (!delivery.claimable(now)) {
            if (replica.equals(delivery.claimant()) && delivery.claimedUntil() != null) {
                return false; // this replica's attempt in flight; it records the next due time itself
            }
            Instant claimed = delivery.claimedUntil();
            notBefore.put(
                    id,
                    claimed != null && claimed.isAfter(delivery.nextAttemptAt()) ? claimed : delivery.nextAttemptAt());
            return false;
        }
        Delivery mine = delivery.claimed(now.plus(claim), replica);
        Optional<String> etag = outbox.replace(mine, read.get().etag());
        if (etag.isEmpty()) {
            return false; // another replica claimed (or finished) it first
        }
        notBefore.put(id, mine.claimedUntil());
        run(() -> attempt(new Stored(mine, etag.get())));
        return true;
    }

    /** One attempt of a delivery this replica has claimed, and what it leaves in the outbox. */
    void attempt(Stored stored) {
        Delivery delivery = stored.delivery();
        Instant now = clock.instant();
        if (delivery.claimedUntil() == null || !now.plus(timeout).isBefore(delivery.claimedUntil())) {
            // Waited so long for a slot that the claim could lapse mid-attempt: a sweep retakes it.
            return;
        }
        try {
            Optional<String> refusal = policy.refusal(delivery.url());
            if (refusal.isPresent()) {
                forget(delivery.id());
                LOG.warnf("webhook %s not sent: %s", delivery.id(), refusal.get());
                return;
            }
            WebhookSender.Outcome outcome = sender.attempt(delivery, now.getEpochSecond());
            int made = delivery.attempts() + 1;
            switch (outcome.result()) {
                case DELIVERED -> forget(delivery.id());
                case REFUSED -> {
                    forget(delivery.id());
                    LOG.warnf(
                            "webhook %s to %s %s; not attempted again",
                            delivery.id(), delivery.url(), outcome.detail());
                }
                case RETRY -> {
                    if (!schedule.another(made)) {
                        forget(delivery.id());
                        LOG.warnf(
                                "webhook %s to %s dropped after %d attempts: %s",
                                delivery.id(), delivery.url(), made, outcome.detail());
                        return;
                    }
                    Duration wait = schedule.delay(
                            made,
                            outcome.retryAfter(),
                            ThreadLocalRandom.current().nextDouble());
                    Instant due = clock.instant().plus(wait);
                    if (outbox.replace(delivery.failed(due), stored.etag()).isEmpty()) {
                        LOG.debugf("webhook %s changed while it was attempted; left as it is", delivery.id());
                    } else {
                        notBefore.put(delivery.id(), due);
                    }
                    LOG.infof(
                            "webhook %s attempt %d to %s failed (%s); next in %d ms",
                            delivery.id(), made, delivery.url(), outcome.detail(), wait.toMillis());
                }
            }
        } catch (S3UnavailableException | StorageUnavailableException e) {
            // The claim lapses by itself and the delivery is attempted again then.
            LOG.warnf("webhook %s: outbox unavailable (%s); attempted again later", delivery.id(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes a delivered or given-up delivery from the outbox. */
    private void forget(String id) {
        outbox.delete(id);
        notBefore.remove(id);
    }

    /** Waits up to {@code grace} for attempts in flight to end (at shutdown). */
    public boolean drain(Duration grace) throws InterruptedException {
        if (slots.tryAcquire(maxConcurrent, grace.toMillis(), TimeUnit.MILLISECONDS)) {
            slots.release(maxConcurrent);
            return true;
        }
        return false;
    }

    /** Runs {@code work} on a virtual thread that gives the already-taken slot back when done. */
    private void run(Runnable work) {
        Thread.ofVirtual().name("webhook-delivery").start(() -> {
            try {
                work.run();
            } finally {
                slots.release();
            }
        });
    }
}
