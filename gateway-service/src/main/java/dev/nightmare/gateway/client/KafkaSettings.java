package dev.nightmare.gateway.client;

import dev.nightmare.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Client properties shared by the gateway's Kafka producer and consumers. */
@ApplicationScoped
public class KafkaSettings {
    private final String bootstrapServers;
    private final GatewayConfig config;

    public KafkaSettings(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers, GatewayConfig config) {
        this.bootstrapServers = bootstrapServers;
        this.config = config;
    }

    /** Bootstrap servers plus the operator's extra {@code nightmare.kafka.client.*} properties. */
    public Map<String, Object> base() {
        Map<String, Object> props = new HashMap<>(config.kafka().client());
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }
}
