package dev.nightmare.gateway.messaging;

import dev.nightmare.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * Exports the job backlog as the Prometheus gauge {@code nightmare_requests_backlog}, measured on
 * a timer so a scrape never waits on Kafka. Gateways always run, so the metric exists while the
 * workers are scaled to zero. When Kafka cannot be asked, the last known value stays.
 */
@ApplicationScoped
public class BacklogMetric {
    private static final Logger LOG = Logger.getLogger(BacklogMetric.class);

    private final KafkaSettings settings;
    private final GatewayConfig config;
    private final MeterRegistry registry;
    private volatile double backlog = 0;
    private Admin admin;
    private ScheduledExecutorService timer;

    public BacklogMetric(KafkaSettings settings, GatewayConfig config, MeterRegistry registry) {
        this.settings = settings;
        this.config = config;
        this.registry = registry;
    }

    void start(@Observes StartupEvent event) {
        Gauge.builder("nightmare.requests.backlog", this, m -> m.backlog)
                .description("Requests on nightmare-requests the workers' share group has not finished")
                .register(registry);
        if (!config.kafka().backlogEnabled()) {
            return;
        }
        Map<String, Object> props = settings.base();
        props.put("request.timeout.ms", "5000");
        props.put("default.api.timeout.ms", "5000");
        props.put("client.id", "nightmare-gateway-backlog");
        admin = Admin.create(props);
        RequestBacklog measure = new RequestBacklog(admin, config.kafka().workerGroup());
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("backlog-metric").daemon().factory());
        long millis = config.kafka().backlogInterval().toMillis();
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        backlog = measure.measure();
                    } catch (Exception e) {
                        LOG.debugf("backlog not measured: %s", e.toString());
                    }
                },
                0,
                millis,
                TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (admin != null) {
            admin.close();
        }
    }

    /** The last measured backlog. */
    public double value() {
        return backlog;
    }
}
