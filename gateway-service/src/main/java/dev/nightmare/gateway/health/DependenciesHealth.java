package dev.nightmare.gateway.health;

import dev.nightmare.gateway.service.JobBus;
import dev.nightmare.gateway.service.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when S3 (the bucket) and Kafka answer; the gateway cannot accept jobs without both. */
@Readiness
@ApplicationScoped
public class DependenciesHealth implements HealthCheck {
    private final ObjectStore store;
    private final JobBus bus;

    public DependenciesHealth(ObjectStore store, JobBus bus) {
        this.store = store;
        this.bus = bus;
    }

    @Override
    public HealthCheckResponse call() {
        boolean s3 = store.ready();
        boolean kafka = bus.ready();
        return HealthCheckResponse.named("dependencies")
                .status(s3 && kafka)
                .withData("s3", s3)
                .withData("kafka", kafka)
                .build();
    }
}
