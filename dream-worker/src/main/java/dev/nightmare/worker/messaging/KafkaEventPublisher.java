package dev.nightmare.worker.messaging;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.Topics;
import dev.nightmare.worker.service.EventPublisher;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/** {@link EventPublisher} on a Kafka producer; keyed by job id so a job's events stay in order. */
public final class KafkaEventPublisher implements EventPublisher {
    private static final Logger LOG = Logger.getLogger(KafkaEventPublisher.class);
    private static final long AWAIT_MILLIS = 5000;

    private final Producer<String, byte[]> producer;

    public KafkaEventPublisher(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    @Override
    public void publish(JobEvent event, boolean await) {
        try {
            Future<RecordMetadata> sent = producer.send(
                    new ProducerRecord<>(Topics.EVENTS, event.jobId(), ContractJson.write(event)), (meta, error) -> {
                        if (error != null) {
                            LOG.warnf(
                                    "job %s: %s event not published: %s",
                                    event.jobId(), event.type().wireName(), error.toString());
                        }
                    });
            if (await) {
                sent.get(AWAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Events are hints: the durable state is already in S3.
            LOG.warnf(
                    "job %s: %s event not confirmed: %s",
                    event.jobId(), event.type().wireName(), e.toString());
        }
    }
}
