package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.Caller;
import dev.nightmare.gateway.service.FinalStateWaiter;
import dev.nightmare.gateway.service.JobSubmitter;
import dev.nightmare.gateway.service.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The answer to an accepted submission: 202 with the job at once, or with {@code Prefer: wait}
 * the job as a status read shows it once it has ended (200) or when the granted wait ran out
 * (202, still queued or running). {@code Preference-Applied} says how long was granted.
 */
@ApplicationScoped
class SubmissionAnswer {
    private final FinalStateWaiter waiter;

    SubmissionAnswer(FinalStateWaiter waiter) {
        this.waiter = waiter;
    }

    Response of(Caller caller, JobSubmitter.Accepted accepted, Optional<PreferWait.Requested> wait) {
        JobView job = accepted.job();
        Optional<Duration> granted = wait.map(w -> waiter.granted(w.seconds()));
        if (granted.isPresent() && !job.state().isFinal()) {
            try {
                Optional<JobView> waited = waiter.await(caller, job.id(), granted.get());
                if (waited.isEmpty()) {
                    granted = Optional.empty(); // every wait slot is taken: answered at once
                } else {
                    job = waited.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Response.ResponseBuilder response = (job.state().isFinal() ? Response.ok(job) : Response.accepted(job))
                .location(URI.create(job.links().self()));
        granted.ifPresent(g -> response.header("Preference-Applied", "wait=" + g.toSeconds()));
        if (accepted.repeated()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }
}
