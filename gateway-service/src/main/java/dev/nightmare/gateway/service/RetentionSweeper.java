package dev.nightmare.gateway.service;

import dev.nightmare.contracts.JobKeys;
import dev.nightmare.gateway.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Deletes jobs (input, outputs, documents, index entry) older than {@code
 * nightmare.retention.period}. The creation time is in each owner-index key, so a sweep only lists
 * keys. Every replica sweeps; deletes are idempotent, so overlapping sweeps do no harm.
 */
@ApplicationScoped
public class RetentionSweeper {
    private static final Logger LOG = Logger.getLogger(RetentionSweeper.class);

    private final ObjectStore store;
    private final Duration period;
    private final Clock clock;
    private final Duration interval;
    private ScheduledExecutorService timer;

    public RetentionSweeper(ObjectStore store, GatewayConfig config, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.period = config.retention().period();
        this.interval = config.retention().sweepInterval();
    }

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("retention-sweeper").daemon().factory());
        long millis = interval.toMillis();
        timer.scheduleWithFixedDelay(this::sweepQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void sweepQuietly() {
        try {
            int deleted = sweep(clock.instant());
            if (deleted > 0) {
                LOG.infof("retention: deleted %d jobs older than %s", deleted, period);
            }
        } catch (RuntimeException e) {
            LOG.warnf("retention sweep failed: %s", e.toString());
        }
    }

    /** Deletes every job created before {@code now − period}; returns how many. */
    public int sweep(Instant now) {
        Instant cutoff = now.minus(period);
        int deleted = 0;
        String after = null;
        while (true) {
            var keys = store.list(JobKeys.OWNERS, after, 1000);
            if (keys.isEmpty()) {
                return deleted;
            }
            for (String key : keys) {
                Instant created = JobKeys.createdAtOfIndexEntry(key);
                String id = JobKeys.jobIdOfIndexEntry(key);
                if (created != null && id != null && created.isBefore(cutoff)) {
                    store.deletePrefix(JobKeys.prefix(id));
                    store.delete(key);
                    deleted++;
                }
            }
            after = keys.getLast();
        }
    }
}
