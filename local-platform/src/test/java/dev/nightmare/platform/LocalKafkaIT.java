package dev.nightmare.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaIT {
    @TempDir
    Path dir;

    @Test
    void producesAndConsumesThenKeepsTopicAndPortAcrossRestart() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"))) {
            int port = kafka.port();
            assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            assertThat(Files.readString(kafka.pidFile()).strip()).isEqualTo(Long.toString(kafka.pid()));
            assertThat(Files.readString(kafka.addressFile()).strip()).isEqualTo(kafka.bootstrapServers());

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("jobs", 1, (short) 1)))
                        .all()
                        .get();
            }
            produce(kafka, "jobs", "first");
            assertThat(consumeAll(kafka, "jobs", "group-a", 1)).containsExactly("first");

            long firstPid = kafka.pid();
            kafka.stop();
            assertThat(kafka.isRunning()).isFalse();
            assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse();
            assertThat(Ports.accepts(port)).isFalse();
            assertThat(kafka.pidFile()).doesNotExist();

            kafka.restart();
            assertThat(kafka.port()).isEqualTo(port);
            assertThat(kafka.pid()).isNotEqualTo(firstPid);
            produce(kafka, "jobs", "second");
            // A new group reads from the start: the record written before the restart is still there.
            assertThat(consumeAll(kafka, "jobs", "group-b", 2)).containsExactly("first", "second");
        }
    }

    @Test
    void refusesToStartOnAPortInUse() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("one"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalKafka.start(dir.resolve("two"), kafka.port()))
                    .hasMessageContaining("already in use");
        }
    }

    private static void produce(LocalKafka kafka, String topic, String value) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic, value)).get();
        }
    }

    private static List<String> consumeAll(LocalKafka kafka, String topic, String group, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
