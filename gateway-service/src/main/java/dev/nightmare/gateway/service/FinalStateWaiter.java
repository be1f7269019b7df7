package dev.nightmare.gateway.service;

import dev.nightmare.gateway.config.WaitConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Holds a submission's answer until its job ends ({@code Prefer: wait}): woken by the job's final
 * event, which every replica reads, and reading the durable status at least every {@link #RECHECK}
 * so a lost event or a status written just after its event costs at most that. The wait is capped
 * by the operator ({@code nightmare.wait.max}) and so is the number of submissions waiting at once
 * ({@code nightmare.wait.max-waiting}); beyond it a submission is answered at once.
 */
@ApplicationScoped
public class FinalStateWaiter {
    static final Duration RECHECK = Duration.ofSeconds(2);

    private final EventHub hub;
    private final JobService jobs;
    private final Duration max;
    private final Semaphore waiting;

    public FinalStateWaiter(EventHub hub, JobService jobs, WaitConfig config) {
        this.hub = hub;
        this.jobs = jobs;
        this.max = config.max();
        this.waiting = new Semaphore(Math.max(0, config.maxWaiting()));
    }

    /** The longest wait granted when {@code requested} is asked for (null: as long as allowed). */
    public Duration granted(Duration requested) {
        return requested == null || requested.compareTo(max) > 0 ? max : requested;
    }

    /**
     * The job's view once it is final or {@code granted} has passed; empty when this replica
     * already holds as many waiting submissions as it may (answer at once instead).
     */
    public Optional<JobView> await(Caller caller, String id, Duration granted) throws InterruptedException {
        if (!waiting.tryAcquire()) {
            return Optional.empty();
        }
        Semaphore ended = new Semaphore(0);
        try (EventHub.Subscription ignored = hub.subscribe(id, Optional.empty(), streamed -> {
            if (streamed.event().type().isFinal()) {
                ended.release();
            }
        })) {
            long deadline = System.nanoTime() + granted.toNanos();
            JobView view = jobs.view(caller, id);
            while (!view.state().isFinal()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                ended.tryAcquire(Math.min(left, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
                view = jobs.view(caller, id);
            }
            return Optional.of(view);
        } finally {
            waiting.release();
        }
    }
}
