package dev.nightmare.worker.messaging;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.Topics;
import dev.nightmare.worker.service.Delivery;
import dev.nightmare.worker.service.Disposition;
import dev.nightmare.worker.service.JobControl;
import dev.nightmare.worker.service.JobRunner;
import dev.nightmare.worker.service.WorkerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.jboss.logging.Logger;

/**
 * Takes requests from the share group one at a time and runs each on the job thread while this
 * thread, the only one touching the consumer, keeps the record's lock alive: RENEW every {@code
 * renewInterval}, then poll for the fresh copy of the record, which is the one a later
 * acknowledgement must use (KAFKA-20458, shared/spec/PLATFORM.md). A failed renewal means the lock
 * is lost: the job stops without further writes. When the job ends its {@link Disposition} becomes
 * ACCEPT, RELEASE, or a dead-letter copy plus ACCEPT; a message that cannot be read goes to
 * {@link UnreadableRequests} instead of the runner. The consumer polls only while idle, and gets
 * at most one record per poll ({@code max.poll.records=1}, {@code record_limit}), so a busy worker
 * never holds a job another worker could start.
 *
 * <p>{@link #stop()} (SIGTERM): an idle worker leaves at once; a busy one lets the job finish its
 * round for up to {@code shutdownGrace}, then abandons it, and releases the record for
 * redelivery.
 */
public final class RequestConsumer implements Runnable {
    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration COPY_TIMEOUT = Duration.ofSeconds(5);

    private final Supplier<ShareConsumer<String, byte[]>> consumers;
    private final JobRunner runner;
    private final UnreadableRequests unreadable;
    private final DeadLetters deadLetters;
    private final WorkerMetrics metrics;
    private final long renewNanos;
    private final long graceNanos;
    private final ExecutorService jobThread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("nightmare-job").unstarted(r));
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile long stopRequestedNanos;
    private volatile Throwable failure;

    public RequestConsumer(
            Supplier<ShareConsumer<String, byte[]>> consumers,
            JobRunner runner,
            UnreadableRequests unreadable,
            DeadLetters deadLetters,
            WorkerMetrics metrics,
            Duration renewInterval,
            Duration shutdownGrace) {
        this.consumers = consumers;
        this.runner = runner;
        this.unreadable = unreadable;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.renewNanos = renewInterval.toNanos();
        this.graceNanos = shutdownGrace.toNanos();
    }

    @Override
    public void run() {
        try (ShareConsumer<String, byte[]> consumer = consumers.get()) {
            consumer.subscribe(List.of(Topics.REQUESTS));
            LOG.infof("consuming %s", Topics.REQUESTS);
            while (!stopping) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<String, byte[]> record : records) {
                    handle(consumer, record);
                }
            }
            LOG.info("stopped consuming");
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("the request consumer died", e);
        } finally {
            jobThread.shutdownNow();
            stopped.countDown();
        }
    }

    /** Asks the loop to stop (see the class comment); returns at once. */
    public void stop() {
        if (!stopping) {
            stopRequestedNanos = System.nanoTime();
            stopping = true;
        }
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Why the loop died, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private void handle(ShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> record) {
        if (stopping) {
            consumer.acknowledge(record, AcknowledgeType.RELEASE);
            commit(consumer, "release at shutdown");
            return;
        }
        int deliveryCount = record.deliveryCount().map(Short::intValue).orElse(1);
        Delivery delivery = new Delivery(record.key(), record.value(), deliveryCount);
        JobControl control = new JobControl();
        Future<Disposition> job = jobThread.submit(() -> process(delivery, control));
        ConsumerRecord<String, byte[]> held = record;
        long nextRenew = System.nanoTime() + renewNanos;
        Disposition disposition;
        while (true) {
            long now = System.nanoTime();
            long waitMillis = Math.max(1, Math.min((nextRenew - now) / 1_000_000, 200));
            try {
                disposition = job.get(waitMillis, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                // Still running: renew or signal below.
            } catch (ExecutionException e) {
                LOG.error("job " + record.key() + " threw; releasing it", e.getCause());
                disposition = Disposition.release("error");
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                control.abandon();
                stopping = true;
            }
            now = System.nanoTime();
            if (stopping) {
                control.drain();
                if (now - stopRequestedNanos > graceNanos) {
                    control.abandon();
                }
            }
            if (now - nextRenew >= 0 && !control.isLockLost()) {
                held = renew(consumer, held, control);
                nextRenew = System.nanoTime() + renewNanos;
            }
        }
        settle(consumer, held, disposition, control);
    }

    /** Runs a readable request; dead-letters one that is not. */
    private Disposition process(Delivery delivery, JobControl control) {
        JobRequest request;
        try {
            request = ContractJson.readRequest(delivery.value());
        } catch (ContractException e) {
            return unreadable.deadLetter(delivery, e, control::abandoned);
        }
        return runner.run(request, delivery, control);
    }

    /** RENEW, commit, and poll for the record's fresh copy; on any failure the lock counts as lost. */
    private ConsumerRecord<String, byte[]> renew(
            ShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> held, JobControl control) {
        try {
            consumer.acknowledge(held, AcknowledgeType.RENEW);
            Optional<KafkaException> error = firstError(consumer.commitSync(COMMIT_TIMEOUT));
            if (error.isPresent()) {
                LOG.warnf(
                        "job %s: lock renewal refused (%s)",
                        held.key(), error.get().toString());
                control.lockLost();
                return held;
            }
            long until = System.nanoTime() + COPY_TIMEOUT.toNanos();
            while (System.nanoTime() - until < 0) {
                ConsumerRecord<String, byte[]> copy = null;
                for (ConsumerRecord<String, byte[]> polled : consumer.poll(Duration.ofMillis(100))) {
                    if (sameRecord(polled, held)) {
                        copy = polled;
                    } else {
                        // Not expected with max.poll.records=1; hand it straight back.
                        consumer.acknowledge(polled, AcknowledgeType.RELEASE);
                    }
                }
                if (copy != null) {
                    return copy;
                }
            }
            LOG.warnf("job %s: the renewed record did not come back; treating the lock as lost", held.key());
        } catch (RuntimeException e) {
            LOG.warnf("job %s: lock renewal failed (%s)", held.key(), e.toString());
        }
        control.lockLost();
        return held;
    }

    private void settle(
            ShareConsumer<String, byte[]> consumer,
            ConsumerRecord<String, byte[]> held,
            Disposition disposition,
            JobControl control) {
        if (control.isLockLost()) {
            // The renewal already acknowledged this copy; the broker has handed the job on.
            metrics.job("lock-lost");
            return;
        }
        AcknowledgeType type = switch (disposition) {
            case Disposition.Accept a -> AcknowledgeType.ACCEPT;
            case Disposition.Release r -> AcknowledgeType.RELEASE;
            case Disposition.DeadLetter d ->
                deadLetters.send(held, d.reason(), d.message()) ? AcknowledgeType.ACCEPT : AcknowledgeType.RELEASE;
        };
        try {
            consumer.acknowledge(held, type);
            commit(consumer, type + " " + held.key());
        } catch (RuntimeException e) {
            LOG.warnf("job %s: %s not acknowledged (%s); it will be redelivered", held.key(), type, e.toString());
        }
        metrics.job(disposition.outcome());
        LOG.debugf("job %s: %s (%s)", held.key(), type, disposition.outcome());
    }

    private static void commit(ShareConsumer<String, byte[]> consumer, String what) {
        Optional<KafkaException> error = firstError(consumer.commitSync(COMMIT_TIMEOUT));
        error.ifPresent(e -> LOG.warnf("%s: not committed (%s); the record will be redelivered", what, e.toString()));
    }

    private static Optional<KafkaException> firstError(Map<TopicIdPartition, Optional<KafkaException>> result) {
        return result.values().stream().flatMap(Optional::stream).findFirst();
    }

    private static boolean sameRecord(ConsumerRecord<?, ?> a, ConsumerRecord<?, ?> b) {
        return a.topic().equals(b.topic()) && a.partition() == b.partition() && a.offset() == b.offset();
    }
}
