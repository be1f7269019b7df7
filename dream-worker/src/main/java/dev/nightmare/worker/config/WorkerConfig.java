package dev.nightmare.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The worker's own settings ({@code nightmare.worker.*}); every knob is in the README's table. */
@ConfigMapping(prefix = "nightmare.worker")
public interface WorkerConfig {
    /** This worker's id in status.json and events; default {@code <host>/<pid>}. */
    Optional<String> id();

    /** Models served (fetched and loaded at start-up, before the worker reports ready). */
    List<String> models();

    /** Where fetched models are kept, one directory per version ({@code <sha256>/NAME.cfg}). */
    @WithName("model-cache-dir")
    @WithDefault("data/model-cache")
    Path modelCacheDir();

    /**
     * Before reporting ready, a short synthetic dream brings the backend's code to full speed
     * ({@code Backend.warmUp}: the JIT compiles the Java kernels), so the first job runs as fast as
     * later ones; a few seconds of start-up.
     */
    @WithName("warm-up")
    @WithDefault("true")
    boolean warmUp();

    /** Model versions beyond the served ones kept open (sessions hold their weights on the device). */
    @WithName("extra-sessions")
    @WithDefault("1")
    int extraSessions();

    Backend backend();

    Limits limits();

    Kafka kafka();

    Retry retry();

    /** At most one {@code progress} event per job per this interval. */
    @WithName("progress-interval")
    @WithDefault("PT0.5S")
    Duration progressInterval();

    /**
     * The cancel marker is checked before an iteration when the last check is older than this, so
     * a cancel is honoured within one iteration or this interval, whichever is longer.
     */
    @WithName("cancel-check-interval")
    @WithDefault("PT0.25S")
    Duration cancelCheckInterval();

    /**
     * On SIGTERM the current round may finish for this long; then it is abandoned, the job is
     * released for redelivery and the worker exits. Keep the pod's termination grace period longer.
     */
    @WithName("shutdown-grace")
    @WithDefault("PT20S")
    Duration shutdownGrace();

    /** The dreaming backend. */
    interface Backend {
        /** {@code auto} (best available: cuda, onednn, vector, reference) or a backend's name. */
        @WithDefault("auto")
        String name();

        /** CPU threads the backend may use; default: every core. */
        Optional<Integer> threads();

        /** Backend-specific properties, e.g. {@code cuda.device=1}, {@code cuda.tf32=true}. */
        Map<String, String> properties();

        /** What a GPU out-of-memory does: {@code fail} the job, or rerun it on the {@code cpu}. */
        @WithName("gpu-out-of-memory")
        @WithDefault("fail")
        OutOfMemory gpuOutOfMemory();

        /** CPU backend used after a GPU out-of-memory when {@link #gpuOutOfMemory()} is {@code cpu}. */
        @WithName("cpu-fallback")
        @WithDefault("onednn")
        String cpuFallback();

        /**
         * The most native memory the CPU backend's sessions hold together: the served models'
         * weights, what is prepared per working size, the running job's buffers ({@code 1500m},
         * {@code 2g}; {@code none}: no limit). Its default fits vgg-conv, jnet-conv and tiny plus
         * one job; a job past it fails instead of growing the process.
         */
        @WithName("native-memory-budget")
        @WithDefault("1500m")
        String nativeMemoryBudget();

        /**
         * Per-size preparations (oneDNN primitives) a session keeps between jobs, least recently
         * used first out: the next job at a kept size skips making them.
         */
        @WithName("keep-preparations")
        @WithDefault("64m")
        String keepPreparations();
    }

    /** What a GPU out-of-memory does. */
    enum OutOfMemory {
        FAIL,
        CPU
    }

    /** Per-job limits. */
    interface Limits {
        /**
         * Largest input (width × height) this worker decodes. What it runs is decided by the
         * admission rule ({@code nightmare.admission.*}): the job's estimated work and memory.
         */
        @WithName("max-pixels")
        @WithDefault("67108864")
        long maxPixels();

        /** Longest a job may dream on this worker (all its deliveries together are not summed). */
        @WithName("max-job-duration")
        @WithDefault("PT30M")
        Duration maxJobDuration();
    }

    /** The request topic's share group. */
    interface Kafka {
        /** The share group all workers join. */
        @WithDefault("nightmare-workers")
        String group();

        /** How long a delivered request stays locked to this worker without a renewal (15–60 s). */
        @WithName("lock-duration")
        @WithDefault("PT30S")
        Duration lockDuration();

        /** How often the lock of the running job is renewed. */
        @WithName("renew-interval")
        @WithDefault("PT5S")
        Duration renewInterval();

        /** Deliveries before the broker dead-letters a request (2–10; lock expiries count). */
        @WithName("delivery-limit")
        @WithDefault("5")
        int deliveryLimit();

        /** Set the share group's configs (offset reset, lock, renewals, dead-letter topic) at start-up. */
        @WithName("configure-group")
        @WithDefault("true")
        boolean configureGroup();

        /** Create the request, event and dead-letter topics at start-up when missing. */
        @WithName("create-topics")
        @WithDefault("true")
        boolean createTopics();

        /** Partitions of topics this worker creates (share groups need no more than one). */
        @WithDefault("1")
        int partitions();

        /** Extra client properties for every Kafka client (security settings, for example). */
        Map<String, String> client();
    }

    /** Backoff for transient S3, Kafka and model-store failures. */
    interface Retry {
        @WithName("initial-backoff")
        @WithDefault("PT0.2S")
        Duration initialBackoff();

        @WithName("max-backoff")
        @WithDefault("PT5S")
        Duration maxBackoff();

        /** Retrying gives up after this long; the job is then released for redelivery, not failed. */
        @WithName("give-up-after")
        @WithDefault("PT60S")
        Duration giveUpAfter();
    }
}
