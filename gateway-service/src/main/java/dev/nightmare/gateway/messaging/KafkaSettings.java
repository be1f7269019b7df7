package dev.nightmare.gateway.messaging;

import dev.nightmare.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Client properties shared by the gateway's Kafka producer and consumers. */
@ApplicationScoped
public class KafkaSettings {
    private final String bootstrapServers;
    private final GatewayConfig config;
    private final Map<String, String> security = new HashMap<>();

    public KafkaSettings(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "kafka.security.protocol") Optional<String> securityProtocol,
            @ConfigProperty(name = "kafka.sasl.mechanism") Optional<String> saslMechanism,
            @ConfigProperty(name = "kafka.sasl.jaas.config") Optional<String> saslJaasConfig,
            GatewayConfig config) {
        this.bootstrapServers = bootstrapServers;
        this.config = config;
        // Named properties, so plain environment variables (KAFKA_SASL_MECHANISM, …) set them.
        securityProtocol.ifPresent(v -> security.put("security.protocol", v));
        saslMechanism.ifPresent(v -> security.put("sasl.mechanism", v));
        saslJaasConfig.ifPresent(v -> security.put("sasl.jaas.config", v));
    }

    /**
     * Bootstrap servers, the security settings ({@code kafka.security.protocol}, {@code
     * kafka.sasl.mechanism}, {@code kafka.sasl.jaas.config}) and the operator's extra {@code
     * nightmare.kafka.client.*} properties.
     */
    public Map<String, Object> base() {
        Map<String, Object> props = new HashMap<>(security);
        props.putAll(config.kafka().client());
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }
}
