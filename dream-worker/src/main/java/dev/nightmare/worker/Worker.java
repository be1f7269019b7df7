package dev.nightmare.worker;

import dev.nightmare.contracts.AdmissionConfig;
import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.BackendConfig;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.retry.Retry;
import dev.nightmare.s3.S3Config;
import dev.nightmare.s3.S3Settings;
import dev.nightmare.worker.client.ModelStoreFetcher;
import dev.nightmare.worker.client.S3JobStore;
import dev.nightmare.worker.config.ModelStoreConfig;
import dev.nightmare.worker.config.WorkerConfig;
import dev.nightmare.worker.messaging.DeadLetters;
import dev.nightmare.worker.messaging.KafkaEventPublisher;
import dev.nightmare.worker.messaging.KafkaSetup;
import dev.nightmare.worker.messaging.RequestConsumer;
import dev.nightmare.worker.messaging.UnreadableRequests;
import dev.nightmare.worker.service.JobRunner;
import dev.nightmare.worker.service.ModelRegistry;
import dev.nightmare.worker.service.RunnerSettings;
import dev.nightmare.worker.service.ScratchDir;
import dev.nightmare.worker.service.TransientException;
import dev.nightmare.worker.service.WorkerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The worker's life cycle. At start-up, on its own thread so liveness answers meanwhile: S3 bucket,
 * Kafka topics and share-group configuration, the backend (logged with its device), the served
 * models (fetched, verified, loaded, sessions opened), the backend's warm-up; then the request
 * consumer starts and the worker is ready. Dependencies that are not up yet are waited for with backoff. At shutdown
 * (SIGTERM) the consumer drains within {@code shutdown-grace} and the backend is closed.
 */
@ApplicationScoped
public class Worker {
    private static final Logger LOG = Logger.getLogger(Worker.class);

    private final WorkerConfig config;
    private final AdmissionConfig admission;
    private final S3Config s3;
    private final ModelStoreConfig modelStore;
    private final MeterRegistry registry;
    private final String bootstrapServers;
    private final String workerId;
    private final Map<String, String> kafkaSecurity = new HashMap<>();

    private volatile String phase = "starting";
    private volatile boolean ready;
    private volatile boolean stopping;
    private volatile String fatal;
    private volatile String backendName = "";
    private volatile String device = "";
    private Thread startup;
    private Thread consumerThread;
    private RequestConsumer consumer;
    private Backend backend;
    private ModelRegistry models;
    private Producer<String, byte[]> producer;
    private Retry startUp;

    public Worker(
            WorkerConfig config,
            AdmissionConfig admission,
            S3Config s3,
            ModelStoreConfig modelStore,
            MeterRegistry registry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "kafka.security.protocol") Optional<String> securityProtocol,
            @ConfigProperty(name = "kafka.sasl.mechanism") Optional<String> saslMechanism,
            @ConfigProperty(name = "kafka.sasl.jaas.config") Optional<String> saslJaasConfig) {
        // Named properties, so plain environment variables (KAFKA_SASL_MECHANISM, …) reach the clients.
        securityProtocol.ifPresent(v -> kafkaSecurity.put("security.protocol", v));
        saslMechanism.ifPresent(v -> kafkaSecurity.put("sasl.mechanism", v));
        saslJaasConfig.ifPresent(v -> kafkaSecurity.put("sasl.jaas.config", v));
        this.config = config;
        this.admission = admission;
        this.s3 = s3;
        this.modelStore = modelStore;
        this.registry = registry;
        this.bootstrapServers = bootstrapServers;
        this.workerId = config.id().orElseGet(Worker::defaultId);
    }

    void onStart(@Observes StartupEvent event) {
        startup = Thread.ofPlatform().name("nightmare-startup").start(this::start);
    }

    private void start() {
        long began = System.nanoTime();
        try {
            WorkerMetrics metrics = new WorkerMetrics(registry);
            WorkerConfig.Retry r = config.retry();
            Retry retry = Retry.backoff(r.initialBackoff(), r.maxBackoff()).giveUpAfter(r.giveUpAfter());
            startUp = Retry.backoff(Duration.ofMillis(200), Duration.ofSeconds(5))
                    .forever()
                    .retryOn(TransientException.class::isInstance)
                    .logRetriesAt(System.Logger.Level.WARNING);

            phase = "waiting for S3";
            S3Settings s3Settings = s3.settings();
            S3JobStore store = new S3JobStore(s3Settings);
            untilDone("S3 bucket " + s3Settings.bucket(), store::ensureBucket);

            phase = "setting up Kafka";
            KafkaSetup setup = new KafkaSetup(kafkaProperties(), config.kafka());
            untilDone("Kafka set-up", setup::run);

            // Made now (and what stopped workers left swept), so a temporary directory the worker
            // cannot write fails the start rather than a job's first round.
            LOG.infof("scratch directory %s", ScratchDir.current());

            phase = "initialising the backend";
            WorkerConfig.Backend b = config.backend();
            BackendConfig backendConfig =
                    new BackendConfig(b.threads().orElse(Runtime.getRuntime().availableProcessors()), properties(b));
            Backends backends = Backends.discover();
            backend = backends.create(b.name(), backendConfig, line -> LOG.info(line));
            backendName = backend.name();
            device = backend.device();
            metrics.backend(backend.name(), backend.device());
            LOG.infof("dreaming on backend %s, device %s", backend.name(), backend.device());

            phase = "loading models " + config.models();
            Supplier<Backend> cpu = () -> backends.create(b.cpuFallback(), backendConfig, line -> LOG.info(line));
            models = new ModelRegistry(
                    backend,
                    new ModelStoreFetcher(modelStore, config.modelCacheDir()),
                    retry,
                    config.extraSessions(),
                    cpu);
            models.loadServed(config.models(), () -> stopping);
            ModelRegistry registered = models;
            io.micrometer.core.instrument.Gauge.builder(
                            "nightmare.worker.native.memory", registered, ModelRegistry::nativeBytes)
                    .description("native memory the backend's sessions hold: weights, preparations, job buffers")
                    .baseUnit("bytes")
                    .register(registry);

            if (config.warmUp() && !stopping) {
                phase = "warming up the backend";
                long warmStart = System.nanoTime();
                backend.warmUp();
                LOG.infof(
                        "backend %s warmed up in %d ms",
                        backend.name(),
                        Duration.ofNanos(System.nanoTime() - warmStart).toMillis());
            }

            producer = new KafkaProducer<>(producerProperties(), new StringSerializer(), new ByteArraySerializer());
            RunnerSettings settings = new RunnerSettings(
                    workerId,
                    config.limits().maxPixels(),
                    admission.rule(),
                    config.limits().maxJobDuration(),
                    config.progressInterval(),
                    config.cancelCheckInterval(),
                    config.kafka().deliveryLimit(),
                    b.gpuOutOfMemory() == WorkerConfig.OutOfMemory.CPU);
            KafkaEventPublisher events = new KafkaEventPublisher(producer);
            JobRunner runner = new JobRunner(store, events, models, retry, settings, metrics, Clock.systemUTC());
            consumer = new RequestConsumer(
                    this::newConsumer,
                    runner,
                    new UnreadableRequests(store, events, retry, workerId, Clock.systemUTC()),
                    new DeadLetters(producer, config.kafka().group(), workerId),
                    metrics,
                    config.kafka().renewInterval(),
                    config.shutdownGrace());
            if (stopping) {
                return;
            }
            consumerThread = Thread.ofPlatform().name("nightmare-requests").start(consumer);
            phase = "ready";
            ready = true;
            LOG.infof(
                    "worker %s ready in %d ms: backend %s (%s), models %s",
                    workerId,
                    Duration.ofNanos(System.nanoTime() - began).toMillis(),
                    backend.name(),
                    backend.device(),
                    models.servedVersions());
        } catch (StoppingException e) {
            LOG.info("start-up interrupted by shutdown");
        } catch (RuntimeException | Error e) {
            fatal = phase + ": " + e.getMessage();
            LOG.error("worker start-up failed while " + phase, e);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        ready = false;
        try {
            if (consumer != null) {
                consumer.stop();
                if (!consumer.awaitStopped(config.shutdownGrace().plusSeconds(15))) {
                    LOG.warn("the request consumer did not stop in time");
                }
            }
            if (startup != null) {
                startup.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (models != null) {
            models.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(3));
        }
        LOG.infof("worker %s stopped", workerId);
    }

    /**
     * The backend's properties: the configured ones, with the native-memory budget and the kept
     * preparations (CPU backends read them; others ignore them) unless set there already.
     */
    static Map<String, String> properties(WorkerConfig.Backend b) {
        Map<String, String> properties = new HashMap<>();
        properties.put("cpu.memoryBudget", b.nativeMemoryBudget());
        properties.put("cpu.keepPreparations", b.keepPreparations());
        properties.putAll(b.properties());
        return properties;
    }

    /** Ready: models loaded, backend initialised, consuming. */
    public boolean ready() {
        return ready && consumerThread != null && consumerThread.isAlive();
    }

    /** Why the worker cannot work at all (start-up failed, or the consumer died); null when fine. */
    public String fatal() {
        if (fatal != null) {
            return fatal;
        }
        if (consumer != null && consumer.failure().isPresent()) {
            return "the request consumer died: " + consumer.failure().get();
        }
        return null;
    }

    public String phase() {
        return phase;
    }

    public String workerId() {
        return workerId;
    }

    public String backendName() {
        return backendName;
    }

    public String device() {
        return device;
    }

    public List<String> models() {
        return models == null ? List.of() : models.servedVersions();
    }

    private ShareConsumer<String, byte[]> newConsumer() {
        Map<String, Object> props = kafkaProperties();
        props.put("group.id", config.kafka().group());
        props.put("client.id", "nightmare-worker-" + workerId.replaceAll("[^A-Za-z0-9._-]", "-"));
        props.put("share.acknowledgement.mode", "explicit");
        props.put("share.acquire.mode", "record_limit");
        props.put("max.poll.records", "1");
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private Map<String, Object> producerProperties() {
        Map<String, Object> props = kafkaProperties();
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("linger.ms", "0");
        props.put("max.block.ms", "5000");
        props.put("request.timeout.ms", "5000");
        props.put("delivery.timeout.ms", "30000");
        props.put("client.id", "nightmare-worker-events-" + workerId.replaceAll("[^A-Za-z0-9._-]", "-"));
        return props;
    }

    private Map<String, Object> kafkaProperties() {
        Map<String, Object> props = new HashMap<>(kafkaSecurity);
        props.putAll(config.kafka().client());
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    /** Retries a start-up step with backoff until it succeeds or the worker is stopping. */
    private void untilDone(String what, Runnable step) {
        if (stopping) {
            throw new StoppingException();
        }
        try {
            startUp.run(what, step, () -> stopping);
        } catch (TransientException e) {
            if (stopping) {
                throw new StoppingException();
            }
            throw e;
        }
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    private static final class StoppingException extends RuntimeException {
        StoppingException() {
            super("stopping", null, false, false);
        }
    }
}
