package dev.nightmare.worker.health;

import dev.nightmare.worker.Worker;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Health of the worker: live unless it cannot work at all; ready once it takes jobs. */
public final class WorkerHealth {
    private WorkerHealth() {}

    /** Up while start-up is in progress or done; down when it failed or the consumer died (restart it). */
    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        private final Worker worker;

        public Live(Worker worker) {
            this.worker = worker;
        }

        @Override
        public HealthCheckResponse call() {
            String fatal = worker.fatal();
            return HealthCheckResponse.named("dream-worker")
                    .status(fatal == null)
                    .withData("phase", fatal == null ? worker.phase() : fatal)
                    .build();
        }
    }

    /** Up once the models are loaded, the backend initialised and the consumer running. */
    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        private final Worker worker;

        public Ready(Worker worker) {
            this.worker = worker;
        }

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("dream-worker")
                    .status(worker.ready())
                    .withData("worker", worker.workerId())
                    .withData("phase", worker.phase())
                    .withData("backend", worker.backendName())
                    .withData("device", worker.device())
                    .withData("models", String.join(", ", worker.models()))
                    .build();
        }
    }
}
