package dev.nightmare.worker.messaging;

import dev.nightmare.contracts.Topics;
import dev.nightmare.worker.config.WorkerConfig;
import dev.nightmare.worker.service.TransientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Prepares Kafka for the workers, idempotently, at every start: the topics (when allowed to
 * create them) and the share group's configuration, following shared/spec/PLATFORM.md — earliest
 * offset reset (else jobs published before the first worker joined are skipped), the lock
 * duration, RENEW enabled, the delivery limit, and the dead-letter topic, which must exist with
 * {@code errors.deadletterqueue.group.enable=true} or the broker only archives rejected records.
 */
public final class KafkaSetup {
    private static final Logger LOG = Logger.getLogger(KafkaSetup.class);
    private static final long TIMEOUT_SECONDS = 15;
    static final String DLQ_ENABLE = "errors.deadletterqueue.group.enable";

    private final Map<String, Object> clientProperties;
    private final WorkerConfig.Kafka config;

    public KafkaSetup(Map<String, Object> clientProperties, WorkerConfig.Kafka config) {
        this.clientProperties = clientProperties;
        this.config = config;
    }

    /** @throws TransientException when the broker cannot be reached or refuses */
    public void run() {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put("request.timeout.ms", "5000");
        props.put("default.api.timeout.ms", "10000");
        try (Admin admin = Admin.create(props)) {
            if (config.createTopics()) {
                allowedOrSkipped("create the topics", () -> createTopics(admin));
            }
            if (config.configureGroup()) {
                allowedOrSkipped("configure share group " + config.group(), () -> configureGroup(admin));
            }
        } catch (ExecutionException e) {
            throw new TransientException("Kafka setup failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientException("interrupted during Kafka setup", e);
        } catch (TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw new TransientException("Kafka setup failed: " + e, e);
        }
    }

    /** A set-up step the platform may have taken over. */
    @FunctionalInterface
    private interface Step {
        void run() throws ExecutionException, InterruptedException, TimeoutException;
    }

    /**
     * Runs a step; when the broker refuses it for lack of permission (a Kafka user that may only
     * consume and produce), the platform is trusted to have done it and start-up goes on.
     */
    private static void allowedOrSkipped(String what, Step step)
            throws ExecutionException, InterruptedException, TimeoutException {
        try {
            step.run();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof AuthorizationException)) {
                throw e;
            }
            LOG.warnf(
                    "not allowed to %s (%s); assuming the platform did",
                    what, e.getCause().getMessage());
        }
    }

    private void createTopics(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : List.of(Topics.REQUESTS, Topics.EVENTS)) {
            if (!existing.contains(topic)) {
                missing.add(new NewTopic(topic, Optional.of(config.partitions()), Optional.empty()));
            }
        }
        if (!existing.contains(Topics.REQUESTS_DEAD_LETTER)) {
            missing.add(new NewTopic(Topics.REQUESTS_DEAD_LETTER, Optional.of(1), Optional.empty())
                    .configs(Map.of(DLQ_ENABLE, "true")));
        }
        for (NewTopic topic : missing) {
            try {
                admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                LOG.infof("created topic %s", topic.name());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        if (existing.contains(Topics.REQUESTS_DEAD_LETTER)) {
            // Created elsewhere: make sure the broker may write dead letters to it.
            alter(
                    admin,
                    new ConfigResource(ConfigResource.Type.TOPIC, Topics.REQUESTS_DEAD_LETTER),
                    Map.of(DLQ_ENABLE, "true"));
        }
    }

    private void configureGroup(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, String> group = new HashMap<>();
        group.put("share.auto.offset.reset", "earliest");
        group.put(
                "share.record.lock.duration.ms",
                Long.toString(config.lockDuration().toMillis()));
        group.put("share.delivery.count.limit", Integer.toString(config.deliveryLimit()));
        group.put("share.renew.acknowledge.enable", "true");
        group.put("errors.deadletterqueue.topic.name", Topics.REQUESTS_DEAD_LETTER);
        group.put("errors.deadletterqueue.copy.record.enable", "true");
        alter(admin, new ConfigResource(ConfigResource.Type.GROUP, config.group()), group);
        LOG.infof("share group %s configured: %s", config.group(), group);
    }

    private static void alter(Admin admin, ConfigResource resource, Map<String, String> values)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<AlterConfigOp> ops = new ArrayList<>();
        values.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
