package dev.nightmare.gateway.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.Topics;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.JobService;
import dev.nightmare.gateway.service.StorageUnavailableException;
import dev.nightmare.gateway.service.WebhookPolicy;
import dev.nightmare.gateway.webhooks.Delivery;
import dev.nightmare.gateway.webhooks.RetrySchedule;
import dev.nightmare.gateway.webhooks.S3WebhookOutbox;
import dev.nightmare.gateway.webhooks.WebhookDeliveries;
import dev.nightmare.gateway.webhooks.WebhookEvent;
import dev.nightmare.gateway.webhooks.WebhookOutbox.Stored;
import dev.nightmare.gateway.webhooks.WebhookSender;
import dev.nightmare.s3.S3Bucket;
import dev.nightmare.s3.S3Config;
import dev.nightmare.s3.S3UnavailableException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Delivers webhooks on the events a job's filter asks for ({@code start}, {@code round}, {@code
 * completed}; all by default). The replicas share one consumer group ({@value #GROUP}), so each
 * event is taken by one replica, which stores its delivery in the outbox ({@code webhooks/} in S3)
 * before committing the event's offset and then attempts it; retries come from the outbox, so
 * they survive a restart and are picked up by any replica ({@link WebhookDeliveries}).
 *
 * <p>Why an outbox rather than holding the Kafka offset until delivered: a partition carries the
 * events of many jobs, so an offset held for one failing receiver (retried for up to an hour)
 * would hold up every other job's webhooks on it, and a crash would resend all of them. With the
 * outbox the offset moves on as soon as the delivery is stored, a failing receiver delays only its
 * own deliveries, and conditional puts let several replicas share the retries without two sending
 * the same one at once.
 */
@ApplicationScoped
public class WebhookDispatcher {
    public static final String GROUP = "nightmare-gateway-webhooks";
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    /** Events taken per poll: each may cost an S3 read and write before the offset is committed. */
    private static final int MAX_POLL_RECORDS = 50;

    private final KafkaSettings settings;
    private final JobService jobs;
    private final WebhookPolicy policy;
    private final GatewayConfig.Webhooks config;
    private final S3Config s3;
    private final Clock clock;
    private final boolean enabled;
    private final ObjectMapper json = ContractJson.mapper();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("webhook-sweeper").daemon().factory());
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile WebhookDeliveries deliveries;

    public WebhookDispatcher(
            KafkaSettings settings,
            JobService jobs,
            WebhookPolicy policy,
            GatewayConfig config,
            S3Config s3,
            Clock clock) {
        this.settings = settings;
        this.jobs = jobs;
        this.policy = policy;
        this.config = config.webhooks();
        this.s3 = s3;
        this.clock = clock;
        this.enabled = config.webhooks().enabled()
                && config.events().readerEnabled()
                && config.webhooks().secret().isPresent()
                && !config.webhooks().allowedHosts().orElse(List.of()).isEmpty();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            LOG.info("webhooks disabled (no allow-list or secret, or nightmare.webhooks.enabled=false)");
            return;
        }
        Duration timeout = Duration.ofMillis(config.timeoutMillis());
        RetrySchedule schedule = new RetrySchedule(
                config.maxAttempts(),
                Duration.ofMillis(config.initialBackoffMillis()),
                Duration.ofMillis(config.maxBackoffMillis()));
        String replica = "gateway-" + UUID.randomUUID().toString().substring(0, 8);
        deliveries = new WebhookDeliveries(
                new S3WebhookOutbox(S3Bucket.connect(s3.settings(), timeout)),
                new WebhookSender(policy, timeout),
                policy,
                schedule,
                Duration.ofMillis(config.claimMillis()),
                timeout,
                config.maxConcurrent(),
                clock,
                replica);
        LOG.infof(
                "webhooks on (%s): %d attempts over up to %d s, outbox s3 %s",
                replica, config.maxAttempts(), schedule.span().toSeconds(), S3WebhookOutbox.PREFIX);
        running = true;
        Thread.ofPlatform().name("webhook-events").daemon().start(this::run);
        // The first sweep at once: deliveries left pending by an earlier run (or another replica) resume now.
        sweeper.scheduleWithFixedDelay(
                () -> deliveries.sweep(), 0, config.sweepIntervalMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        sweeper.shutdownNow();
        WebhookDeliveries d = deliveries;
        if (d != null) {
            try {
                // Attempts cut off here keep their claim in the outbox and are attempted again when it lapses.
                d.drain(Duration.ofMillis(config.timeoutMillis() + 1000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Map<String, Object> props = settings.base();
        props.put("group.id", GROUP);
        // Committed by hand, once the batch's deliveries are in the outbox.
        props.put("enable.auto.commit", "false");
        props.put("auto.offset.reset", "latest");
        props.put("max.poll.records", MAX_POLL_RECORDS);
        props.put("client.id", "nightmare-gateway-webhooks");
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            c.subscribe(List.of(Topics.EVENTS));
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
                    if (!records.isEmpty()) {
                        take(c, records);
                    }
                } catch (WakeupException e) {
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (RuntimeException e) {
                    LOG.warnf("webhook consumer: %s; retrying", e.toString());
                }
            }
        } finally {
            consumer = null;
        }
    }

    /**
     * Stores the batch's deliveries, commits, then attempts them. Storing failed (S3 down): the
     * batch is read again after a pause, and what was stored before the failure is not stored
     * twice (create is If-None-Match). A failed commit (a rebalance) leaves the batch to the
     * partition's next owner, which likewise finds the stored deliveries there already.
     */
    private void take(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records)
            throws InterruptedException {
        List<Stored> fresh = new ArrayList<>();
        boolean pause = false;
        try {
            for (ConsumerRecord<String, byte[]> record : records) {
                delivery(record.value()).flatMap(deliveries::store).ifPresent(fresh::add);
            }
            c.commitSync();
        } catch (S3UnavailableException | StorageUnavailableException e) {
            for (TopicPartition partition : records.partitions()) {
                c.seek(partition, records.records(partition).getFirst().offset());
            }
            LOG.warnf("webhook events not taken, S3 unavailable (%s); reading them again shortly", e.getMessage());
            pause = true;
        } catch (KafkaException e) {
            LOG.warnf("webhook events' offsets not committed (%s); their deliveries are stored already", e.toString());
        }
        deliveries.start(fresh);
        if (pause) {
            Thread.sleep(1000);
        }
    }

    /** The delivery an event asks for, or empty when its job wants no webhook for it. */
    private Optional<Delivery> delivery(byte[] value) {
        JobEvent event;
        try {
            event = ContractJson.readEvent(value);
        } catch (ContractException e) {
            return Optional.empty();
        }
        Optional<WebhookEvent> kind = WebhookEvent.of(event.type());
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        Optional<JobRequest> request;
        try {
            request = jobs.readRequest(event.jobId());
        } catch (ContractException e) {
            LOG.warnf("webhook for %s skipped: request.json unreadable (%s)", event.jobId(), e.getMessage());
            return Optional.empty();
        }
        if (request.isEmpty()
                || request.get().callbackUrl() == null
                || !kind.get().wantedBy(request.get().webhookEvents())) {
            return Optional.empty();
        }
        String body;
        try {
            body = json.writeValueAsString(jobs.eventView(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event view is always writable", e);
        }
        return Optional.of(deliveries.newDelivery(
                Delivery.idOf(event.jobId(), kind.get(), event.round()),
                event.jobId(),
                event.type().wireName(),
                request.get().callbackUrl(),
                body));
    }
}
