package dev.nightmare.gateway.messaging;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.Topics;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.BusUnavailableException;
import dev.nightmare.gateway.service.JobBus;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@link JobBus} on the Apache Kafka producer: idempotent, acks=all, and bounded everywhere
 * ({@code max.block.ms}, {@code delivery.timeout.ms}) so a broker outage turns into a 503 within
 * the publish timeout instead of a hung request.
 */
@ApplicationScoped
public class KafkaJobBus implements JobBus {
    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;
    private final int timeoutMillis;

    public KafkaJobBus(KafkaSettings settings, GatewayConfig config) {
        this.timeoutMillis = config.kafka().publishTimeoutMillis();
        Map<String, Object> props = settings.base();
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("linger.ms", "1");
        props.put("max.block.ms", String.valueOf(timeoutMillis));
        props.put("request.timeout.ms", String.valueOf(Math.max(1000, timeoutMillis - 500)));
        props.put("delivery.timeout.ms", String.valueOf(timeoutMillis + 1000));
        props.put("client.id", "nightmare-gateway");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> adminProps = settings.base();
        adminProps.put("request.timeout.ms", "2000");
        adminProps.put("default.api.timeout.ms", "2000");
        this.admin = Admin.create(adminProps);
    }

    @Override
    public void publishRequest(JobRequest request) {
        send(Topics.REQUESTS, request.jobId(), ContractJson.write(request));
    }

    @Override
    public void publishEvent(JobEvent event) {
        send(Topics.EVENTS, event.jobId(), ContractJson.write(event));
    }

    private void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("interrupted while publishing to " + topic, e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new BusUnavailableException("Kafka did not take the record for " + topic + ": " + cause, cause);
        }
    }

    @Override
    public boolean ready() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                    .clusterId()
                    .get(2500, TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(2));
        admin.close(Duration.ofSeconds(2));
    }
}
