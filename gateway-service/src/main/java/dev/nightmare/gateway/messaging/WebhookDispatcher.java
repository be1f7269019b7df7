package dev.nightmare.gateway.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.Topics;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.EventView;
import dev.nightmare.gateway.service.JobService;
import dev.nightmare.gateway.service.WebhookPolicy;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Delivers webhooks on {@code round} and final events. The replicas share one consumer group
 * ({@value #GROUP}) so each event is delivered by one replica. The callback URL comes from the
 * job's {@code request.json} and is checked against the allow-list again before each delivery;
 * bodies are signed ({@link WebhookPolicy}); redirects are not followed; failures (network, 5xx,
 * 429) are retried with exponential backoff in this replica's memory.
 */
@ApplicationScoped
public class WebhookDispatcher {
    public static final String GROUP = "nightmare-gateway-webhooks";
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);

    private final KafkaSettings settings;
    private final JobService jobs;
    private final WebhookPolicy policy;
    private final GatewayConfig.Webhooks config;
    private final boolean enabled;
    private final ObjectMapper json = ContractJson.mapper();
    private final HttpClient http;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("webhook-retries").daemon().factory());
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;

    public WebhookDispatcher(KafkaSettings settings, JobService jobs, WebhookPolicy policy, GatewayConfig config) {
        this.settings = settings;
        this.jobs = jobs;
        this.policy = policy;
        this.config = config.webhooks();
        this.enabled = config.webhooks().enabled()
                && config.events().readerEnabled()
                && config.webhooks().secret().isPresent()
                && !config.webhooks().allowedHosts().orElse(List.of()).isEmpty();
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(config.webhooks().timeoutMillis()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            LOG.info("webhooks disabled (no allow-list or secret, or nightmare.webhooks.enabled=false)");
            return;
        }
        running = true;
        Thread.ofPlatform().name("webhook-events").daemon().start(this::run);
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        retries.shutdownNow();
    }

    private void run() {
        Map<String, Object> props = settings.base();
        props.put("group.id", GROUP);
        props.put("enable.auto.commit", "true");
        props.put("auto.offset.reset", "latest");
        props.put("client.id", "nightmare-gateway-webhooks");
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            c.subscribe(List.of(Topics.EVENTS));
            while (running) {
                try {
                    for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                        handle(record.value());
                    }
                } catch (WakeupException e) {
                    break;
                } catch (RuntimeException e) {
                    LOG.warnf("webhook consumer: %s; retrying", e.toString());
                }
            }
        } finally {
            consumer = null;
        }
    }

    private void handle(byte[] value) {
        JobEvent event;
        try {
            event = ContractJson.readEvent(value);
        } catch (ContractException e) {
            return;
        }
        if (event.type() != EventType.ROUND && !event.type().isFinal()) {
            return;
        }
        Optional<JobRequest> request;
        try {
            request = jobs.readRequest(event.jobId());
        } catch (RuntimeException e) {
            LOG.warnf("webhook for %s skipped: request.json unreadable (%s)", event.jobId(), e.toString());
            return;
        }
        request.filter(r -> r.callbackUrl() != null).ifPresent(r -> deliver(r, event, 1));
    }

    private void deliver(JobRequest request, JobEvent event, int attempt) {
        String url = request.callbackUrl();
        Optional<String> refusal = policy.refusal(url);
        if (refusal.isPresent()) {
            LOG.warnf("webhook for %s refused: %s", request.jobId(), refusal.get());
            return;
        }
        try {
            byte[] body = json.writeValueAsBytes(EventView.of(event));
            long now = System.currentTimeMillis() / 1000;
            HttpRequest post = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofMillis(config.timeoutMillis()))
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "nightmare-gateway")
                    .header("Nightmare-Event", event.type().wireName())
                    .header("Nightmare-Job", event.jobId())
                    .header(WebhookPolicy.SIGNATURE_HEADER, policy.signature(now, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            int status = http.send(post, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 500 || status == 429) {
                retry(request, event, attempt, "answered " + status);
            } else if (status >= 300) {
                LOG.warnf("webhook for %s to %s answered %d; not retried", request.jobId(), url, status);
            }
        } catch (IOException e) {
            retry(request, event, attempt, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void retry(JobRequest request, JobEvent event, int attempt, String why) {
        if (attempt >= config.maxAttempts()) {
            LOG.warnf("webhook %s for %s dropped after %d attempts: %s", event.type(), request.jobId(), attempt, why);
            return;
        }
        long delay = (long) config.initialBackoffMillis() << Math.min(attempt - 1, 10);
        retries.schedule(() -> deliver(request, event, attempt + 1), delay, TimeUnit.MILLISECONDS);
    }
}
