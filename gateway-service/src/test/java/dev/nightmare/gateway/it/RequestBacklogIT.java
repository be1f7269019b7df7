package dev.nightmare.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.contracts.Topics;
import dev.nightmare.gateway.messaging.RequestBacklog;
import dev.nightmare.platform.LocalKafka;
import dev.nightmare.platform.testing.TestDirs;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backlog KEDA scales workers on, measured against a real broker and a real share group: every
 * retained request before any worker joins, then one fewer for each request a worker acknowledges.
 */
class RequestBacklogIT {
    private static final String GROUP = "backlog-it-workers";
    private static LocalKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        kafka = LocalKafka.start(TestDirs.create("backlog-it").resolve("kafka"));
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic(Topics.REQUESTS, 2, (short) 1)))
                .all()
                .get();
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void countsUnfinishedRequestsOfTheWorkersShareGroup() throws Exception {
        RequestBacklog backlog = new RequestBacklog(admin, GROUP);
        assertThat(backlog.measure()).as("empty topic").isZero();
        try (var producer = new KafkaProducer<String, String>(
                Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(Topics.REQUESTS, "job-" + i, "{}"))
                        .get();
            }
        }
        assertThat(backlog.measure())
                .as("no worker has joined: every request waits")
                .isEqualTo(5);

        admin.incrementalAlterConfigs(Map.of(
                        new ConfigResource(ConfigResource.Type.GROUP, GROUP),
                        (Collection<AlterConfigOp>) List.of(new AlterConfigOp(
                                new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                .all()
                .get();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("group.id", GROUP);
        props.put("share.acknowledgement.mode", "explicit");
        props.put("max.poll.records", "1");
        props.put("share.acquire.mode", "record_limit");
        int accepted = 0;
        try (var consumer = new KafkaShareConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.REQUESTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (accepted < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (accepted < 2) {
                        consumer.acknowledge(record, AcknowledgeType.ACCEPT);
                        accepted++;
                    } else {
                        consumer.acknowledge(record, AcknowledgeType.RELEASE);
                    }
                }
                consumer.commitSync();
            }
        }
        assertThat(accepted).isEqualTo(2);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long measured = backlog.measure();
        while (measured != 3 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            measured = backlog.measure();
        }
        assertThat(measured).as("two of five acknowledged").isEqualTo(3);
    }
}
