package dev.nightmare.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The gateway's typed configuration ({@code nightmare.*}); every knob is in the README's table. */
@ConfigMapping(prefix = "nightmare")
public interface GatewayConfig {
    Auth auth();

    Jobs jobs();

    Limits limits();

    @WithName("model-store")
    ModelStore modelStore();

    Kafka kafka();

    Events events();

    Webhooks webhooks();

    Retention retention();

    /** API keys: {@code nightmare.auth.keys.<key-id>=<secret key>}; the key id names the owner. */
    interface Auth {
        Map<String, String> keys();
    }

    interface Jobs {
        /**
         * Secret (at least 16 bytes) for Idempotency-Key job ids; every replica must share it, or
         * the same request gets different ids on different replicas.
         */
        @WithName("id-secret")
        String idSecret();

        /** maxSide applied when a request gives none. */
        @WithName("default-max-side")
        @WithDefault("1024")
        int defaultMaxSide();

        /** How long after acceptance a job may still finish; workers fail it after. */
        @WithDefault("PT2H")
        Duration deadline();
    }

    interface Limits {
        /** Largest upload in bytes (the image, before decoding). */
        @WithName("max-upload-bytes")
        @WithDefault("20971520")
        long maxUploadBytes();

        /**
         * Largest decoded image in pixels, checked from the header before decoding: 12 MP (a
         * 4000×3000 photo), which the default decode budget (60% of the 512 MiB heap) decodes.
         */
        @WithName("max-pixels")
        @WithDefault("12000000")
        long maxPixels();

        /** Submissions per minute per API key, per replica. */
        @WithName("submissions-per-minute")
        @WithDefault("120")
        int submissionsPerMinute();

        /** Burst of submissions a key may make at once, per replica. */
        @WithName("submission-burst")
        @WithDefault("20")
        int submissionBurst();

        /** Event streams (SSE) one API key may have open on one replica. */
        @WithName("event-streams-per-key")
        @WithDefault("20")
        int eventStreamsPerKey();

        /** Unfinished jobs per API key accepted by one replica. */
        @WithName("concurrent-jobs")
        @WithDefault("20")
        int concurrentJobs();

        /**
         * Heap bytes image decodes may use at once (24 bytes a pixel each, reserved from the header
         * before decoding); unset: 60% of the maximum heap. Also caps one image's pixels.
         */
        @WithName("decode-memory-bytes")
        Optional<Long> decodeMemoryBytes();

        /** How long a decode waits for others to free the memory it needs before answering 503. */
        @WithName("decode-wait-millis")
        @WithDefault("5000")
        long decodeWaitMillis();
    }

    interface ModelStore {
        /** Base URL of the model-store, e.g. http://model-store:8082. */
        String url();

        /** The model-store's service token (Bearer), if it requires one. */
        Optional<String> token();

        /** How long model metadata is reused before asking the model-store again. */
        @WithName("metadata-ttl")
        @WithDefault("PT10S")
        Duration metadataTtl();

        @WithName("timeout-millis")
        @WithDefault("3000")
        int timeoutMillis();
    }

    interface Kafka {
        /** {@code kafka.bootstrap.servers} is read directly (the test resources set it). */
        @WithName("publish-timeout-millis")
        @WithDefault("3000")
        int publishTimeoutMillis();

        /** Extra producer/consumer properties, e.g. security settings. */
        @WithName("client")
        Map<String, String> client();

        /** The workers' share group, whose backlog {@code nightmare_requests_backlog} reports. */
        @WithName("worker-group")
        @WithDefault("nightmare-workers")
        String workerGroup();

        /** Whether to measure the backlog (off only in unit tests without a broker). */
        @WithName("backlog-enabled")
        @WithDefault("true")
        boolean backlogEnabled();

        /** How often the backlog is measured. */
        @WithName("backlog-interval")
        @WithDefault("PT15S")
        Duration backlogInterval();
    }

    interface Events {
        /** Read nightmare-events (SSE, concurrency accounting); off only in unit tests. */
        @WithName("reader-enabled")
        @WithDefault("true")
        boolean readerEnabled();

        /** At most one progress event per SSE client per this interval. */
        @WithName("progress-interval-millis")
        @WithDefault("250")
        int progressIntervalMillis();

        /** A comment line on every open SSE stream this often, so idle streams survive proxies. */
        @WithName("keep-alive-seconds")
        @WithDefault("15")
        int keepAliveSeconds();
    }

    interface Webhooks {
        /** Hosts (or host:port) webhooks may be sent to; empty: webhooks refused. */
        @WithName("allowed-hosts")
        Optional<List<String>> allowedHosts();

        /**
         * HMAC key of both signatures: {@code Nightmare-Signature} uses its UTF-8 bytes; the
         * Standard Webhooks {@code webhook-signature} the key of a {@code whsec_<base64>} secret,
         * else the same UTF-8 bytes.
         */
        Optional<String> secret();

        /** Attempts per event, the first included; after the last failed one the event is dropped (logged). */
        @WithName("max-attempts")
        @WithDefault("10")
        int maxAttempts();

        /** Wait after the first failed attempt; it doubles after each further one (with up to 10% jitter). */
        @WithName("initial-backoff-millis")
        @WithDefault("5000")
        long initialBackoffMillis();

        /** The longest wait between two attempts, whatever the doubling or a receiver's Retry-After says. */
        @WithName("max-backoff-millis")
        @WithDefault("3600000")
        long maxBackoffMillis();

        /** One attempt's limit: connecting, sending and the receiver's answer. */
        @WithName("timeout-millis")
        @WithDefault("5000")
        int timeoutMillis();

        /**
         * How long a replica holds a delivery it is attempting; if it dies meanwhile, any replica
         * attempts it again once this has passed. At least twice {@code timeout-millis}.
         */
        @WithName("claim-millis")
        @WithDefault("30000")
        long claimMillis();

        /** How often each replica looks in the outbox ({@code webhooks/} in S3) for deliveries due again. */
        @WithName("sweep-interval-millis")
        @WithDefault("1000")
        long sweepIntervalMillis();

        /** Deliveries one replica attempts at once; more wait in S3 (and on Kafka), not in memory. */
        @WithName("max-concurrent")
        @WithDefault("16")
        int maxConcurrent();

        /** Deliver webhooks from this replica (one consumer group shared by all replicas). */
        @WithDefault("true")
        boolean enabled();
    }

    interface Retention {
        /** Jobs older than this are deleted with their input and outputs. */
        @WithDefault("P7D")
        Duration period();

        @WithName("sweep-interval")
        @WithDefault("PT1H")
        Duration sweepInterval();
    }
}
