package dev.nightmare.worker.messaging;

import dev.nightmare.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * Copies a poison request onto {@link Topics#REQUESTS_DEAD_LETTER} with the reason. The broker's
 * own dead-lettering (on REJECT or at the delivery limit) cannot carry a reason, so the worker
 * writes the record itself, with the broker's {@code __dlq.errors.*} header names plus {@code
 * __dlq.errors.reason}, and then ACCEPTs the original. The broker still dead-letters records that
 * hit the delivery limit (a job that kills its workers), with its own headers.
 */
public final class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    /** Header names as the broker writes them (checked against Kafka 4.4), plus the reason. */
    public static final String TOPIC = "__dlq.errors.topic";

    public static final String PARTITION = "__dlq.errors.partition";
    public static final String OFFSET = "__dlq.errors.offset";
    public static final String GROUP = "__dlq.errors.group";
    public static final String DELIVERY_COUNT = "__dlq.errors.delivery.count";
    public static final String MESSAGE = "__dlq.errors.message";
    public static final String REASON = "__dlq.errors.reason";
    public static final String WORKER = "__dlq.errors.worker";

    private final Producer<String, byte[]> producer;
    private final String group;
    private final String workerId;

    public DeadLetters(Producer<String, byte[]> producer, String group, String workerId) {
        this.producer = producer;
        this.group = group;
        this.workerId = workerId;
    }

    /** True once the broker has the dead-letter record; false means: release and try again later. */
    public boolean send(ConsumerRecord<String, byte[]> record, String reason, String message) {
        ProducerRecord<String, byte[]> copy =
                new ProducerRecord<>(Topics.REQUESTS_DEAD_LETTER, record.key(), record.value());
        Headers headers = copy.headers();
        header(headers, TOPIC, record.topic());
        header(headers, PARTITION, Integer.toString(record.partition()));
        header(headers, OFFSET, Long.toString(record.offset()));
        header(headers, GROUP, group);
        header(
                headers,
                DELIVERY_COUNT,
                record.deliveryCount().map(String::valueOf).orElse("1"));
        header(headers, REASON, reason);
        header(headers, MESSAGE, message);
        header(headers, WORKER, workerId);
        try {
            producer.send(copy).get(10, TimeUnit.SECONDS);
            LOG.infof(
                    "dead-lettered %s-%d@%d (%s): %s",
                    record.topic(), record.partition(), record.offset(), reason, message);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warnf(
                    "could not dead-letter %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.toString());
            return false;
        }
    }

    private static void header(Headers headers, String name, String value) {
        headers.add(name, value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
    }
}
