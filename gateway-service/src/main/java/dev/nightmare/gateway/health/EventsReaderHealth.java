package dev.nightmare.gateway.health;

import dev.nightmare.gateway.messaging.KafkaEventReader;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once this replica reads every partition of nightmare-events, so its SSE streams miss nothing. */
@Readiness
@ApplicationScoped
public class EventsReaderHealth implements HealthCheck {
    private final KafkaEventReader reader;

    public EventsReaderHealth(KafkaEventReader reader) {
        this.reader = reader;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("events-reader")
                .status(reader.isReady())
                .build();
    }
}
