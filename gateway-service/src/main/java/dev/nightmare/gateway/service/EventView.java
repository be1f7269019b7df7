package dev.nightmare.gateway.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.RunDetails;
import java.time.Instant;

/**
 * One job event as SSE clients and webhooks see it: the event with object keys replaced by API
 * URLs and worker internals left out. {@code videoUrl} is on the {@code succeeded} event of a job
 * with {@code options.animate}: its video is stored by then. {@code shareUrl} is a {@code round}
 * event's image as a key-less, expiring link ({@link ShareLinks}), where the operator issues them;
 * {@code etaSeconds} a {@code progress} event's estimate of the time left ({@link LiveProgress}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventView(
        String type,
        String jobId,
        Instant time,
        JobState state,
        Integer round,
        Integer iteration,
        Integer rounds,
        Integer iters,
        String imageUrl,
        String error,
        RunDetails run,
        String videoUrl,
        String shareUrl,
        Long etaSeconds) {

    public static EventView of(JobEvent event) {
        return of(event, null, null);
    }

    /**
     * The view with what only the gateway knows: a {@code round} event's share link and a {@code
     * progress} event's estimate of the seconds left (either null when there is none).
     */
    public static EventView of(JobEvent event, String shareUrl, Long etaSeconds) {
        String url =
                event.imageKey() == null || event.round() == null ? null : Links.round(event.jobId(), event.round());
        return new EventView(
                event.type().wireName(),
                event.jobId(),
                event.time(),
                event.type().state(),
                event.round(),
                event.iteration(),
                event.rounds(),
                event.iters(),
                url,
                event.error(),
                event.run(),
                event.videoKey() == null ? null : Links.video(event.jobId()),
                shareUrl,
                etaSeconds);
    }
}
