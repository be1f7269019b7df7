package dev.nightmare.gateway.messaging;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.Topics;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.EventHub;
import dev.nightmare.gateway.service.EventId;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads ALL of {@code nightmare-events} in every replica (assigned partitions, no consumer group,
 * starting at the end) and hands each event to the {@link EventHub}, so any replica can serve any
 * client's SSE stream. Late clients do not need history: they get the current state from S3
 * first; a client that dropped resumes from the hub's recent events, whose ids are the records'
 * partition and offset. New partitions are picked up every 30 s.
 */
@ApplicationScoped
public class KafkaEventReader {
    private static final Logger LOG = Logger.getLogger(KafkaEventReader.class);
    private static final long REFRESH_NANOS = Duration.ofSeconds(30).toNanos();

    private final KafkaSettings settings;
    private final EventHub hub;
    private final boolean enabled;
    private volatile boolean running;
    private volatile boolean assigned;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public KafkaEventReader(KafkaSettings settings, EventHub hub, GatewayConfig config) {
        this.settings = settings;
        this.hub = hub;
        this.enabled = config.events().readerEnabled();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().name("nightmare-events-reader").daemon().start(this::run);
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void run() {
        Map<String, Object> props = settings.base();
        props.put("enable.auto.commit", "false");
        props.put("auto.offset.reset", "latest");
        props.put("client.id", "nightmare-gateway-events");
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            Set<TopicPartition> assigned = new HashSet<>();
            long refreshedAt = System.nanoTime() - REFRESH_NANOS;
            while (running) {
                try {
                    if (System.nanoTime() - refreshedAt >= REFRESH_NANOS || assigned.isEmpty()) {
                        refreshedAt = System.nanoTime();
                        assigned = assign(c, assigned);
                        this.assigned = !assigned.isEmpty();
                        if (assigned.isEmpty()) {
                            Thread.sleep(1000);
                            continue;
                        }
                    }
                    for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                        dispatch(record);
                    }
                } catch (WakeupException e) {
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (RuntimeException e) {
                    LOG.warnf("reading %s: %s; retrying", Topics.EVENTS, e.toString());
                    sleepQuietly(1000);
                }
            }
        } finally {
            consumer = null;
        }
    }

    /** Assigns every partition of the events topic; new ones start at their end. */
    private Set<TopicPartition> assign(KafkaConsumer<String, byte[]> c, Set<TopicPartition> current) {
        List<PartitionInfo> infos = c.partitionsFor(Topics.EVENTS, Duration.ofSeconds(5));
        if (infos == null || infos.isEmpty()) {
            return current;
        }
        Set<TopicPartition> all = infos.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .collect(Collectors.toSet());
        if (all.equals(current)) {
            return current;
        }
        c.assign(all);
        Set<TopicPartition> added = new HashSet<>(all);
        added.removeAll(current);
        c.seekToEnd(added);
        for (TopicPartition partition : added) {
            hub.readingFrom(partition.partition(), c.position(partition, Duration.ofSeconds(5)));
        }
        LOG.infof("reading all %d partitions of %s", all.size(), Topics.EVENTS);
        return all;
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        try {
            hub.dispatch(ContractJson.readEvent(record.value()), new EventId(record.partition(), record.offset()));
        } catch (ContractException e) {
            LOG.warnf(
                    "skipping event at %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True when the reader is disabled (unit tests) or reads every partition of the events topic. */
    public boolean isReady() {
        return !enabled || (running && assigned);
    }
}
