package dev.nightmare.modelstore.health;

import dev.nightmare.modelstore.service.ModelCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the start-up scan of the models directory and bucket has finished (broken models do not block it). */
@Readiness
@ApplicationScoped
public class ModelsScannedCheck implements HealthCheck {
    @Inject
    ModelCatalog catalog;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("models-scanned")
                .status(catalog.scanned())
                .withData("ready", catalog.count(true))
                .withData("broken", catalog.count(false))
                .build();
    }
}
