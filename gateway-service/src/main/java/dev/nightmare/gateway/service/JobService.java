package dev.nightmare.gateway.service;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.s3.S3Config;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The job operations behind the API but submission ({@link JobSubmitter}). Everything it answers is read from S3 ({@code request.json},
 * {@code status.json}, the cancel marker, the owner index), so any replica gives the same answer;
 * a job of another owner is reported exactly like a missing one (404).
 */
@ApplicationScoped
public class JobService {
    private static final Logger LOG = Logger.getLogger(JobService.class);
    private static final byte[] EMPTY = new byte[0];
    private static final int FILTER_SCAN_FACTOR = 10;

    private final ObjectStore store;
    private final Limits limits;
    private final S3Config s3;
    private final ShareLinks shares;
    private final LiveProgress live;
    private final Clock clock;

    public JobService(
            ObjectStore store, Limits limits, S3Config s3, ShareLinks shares, LiveProgress live, Clock clock) {
        this.store = store;
        this.limits = limits;
        this.s3 = s3;
        this.shares = shares;
        this.live = live;
        this.clock = clock;
    }

    /** An event as streams and webhooks send it, with the round's share link. */
    public EventView eventView(JobEvent event) {
        String share = event.type() == EventType.ROUND && event.imageKey() != null && event.round() != null
                ? shares.roundUrl(event.jobId(), event.round()).orElse(null)
                : null;
        Long eta = event.type() == EventType.PROGRESS ? live.etaSeconds(event) : null;
        return EventView.of(event, share, eta);
    }

    /** A job's view as every read shows it, from its durable state read by the caller. */
    public JobView view(JobRequest request, JobStatus status, boolean cancelMarker) {
        return present(viewOf(request, status, cancelMarker));
    }

    /** What every read shows beyond the durable state: share links, the live iteration and an ETA. */
    private JobView present(JobView view) {
        return withLiveProgress(shares.decorate(view));
    }

    private JobView withLiveProgress(JobView view) {
        if (view.state() != JobState.RUNNING || view.progress() == null) {
            return view;
        }
        JobView.Progress p = view.progress();
        Integer round = p.round();
        Integer iteration = p.iteration();
        Optional<LiveProgress.Position> position = live.of(view.id());
        if (position.isPresent() && position.get().round() >= p.roundsDone()) {
            round = position.get().round();
            iteration = position.get().iteration();
        }
        long done = (long) p.roundsDone() * p.iters()
                + (round != null && iteration != null && round >= p.roundsDone() ? iteration + 1 : 0);
        Instant started = view.timings() == null ? null : view.timings().startedAt();
        Long eta = LiveProgress.etaSeconds(started, clock.instant(), done, (long) p.rounds() * p.iters());
        return view.withProgress(new JobView.Progress(round, iteration, p.rounds(), p.iters(), p.roundsDone(), eta));
    }

    /** One page of an owner's jobs, newest first; {@code next} is the cursor of the next page. */
    public record Page(List<JobView> items, String next) {}

    public JobView view(Caller caller, String id) {
        JobRequest request = owned(caller, id);
        return present(viewOf(request, readStatus(id), store.exists(JobKeys.cancel(id))));
    }

    /**
     * A page of the caller's jobs, newest first, optionally only those in {@code states}. A
     * filtered page reads at most {@value #FILTER_SCAN_FACTOR}× its size of index entries, so it
     * may hold fewer items than asked while {@code next} is still set: follow it.
     */
    public Page list(Caller caller, int limit, String cursor, Set<JobState> states) {
        int size = Math.clamp(limit, 1, 100);
        String prefix = JobKeys.ownerIndex(caller.owner());
        String startAfter = null;
        if (cursor != null && !cursor.isBlank()) {
            if (JobKeys.jobIdOfIndexEntry(cursor) == null) {
                throw ApiException.field(400, "after", "after is not a cursor from a previous page");
            }
            startAfter = prefix + cursor;
        }
        boolean filtered = !states.isEmpty() && !states.containsAll(EnumSet.allOf(JobState.class));
        int scan = filtered ? size * FILTER_SCAN_FACTOR : size;
        List<String> keys = store.list(prefix, startAfter, scan + 1);
        List<JobView> items = new ArrayList<>();
        String last = null;
        int examined = 0;
        for (String key : keys) {
            if (examined == scan || items.size() == size) {
                break;
            }
            examined++;
            last = key;
            String id = JobKeys.jobIdOfIndexEntry(key);
            if (id == null) {
                continue;
            }
            readRequest(id)
                    .filter(r -> r.owner().equals(caller.owner()))
                    .map(r -> present(viewOf(r, readStatus(id), store.exists(JobKeys.cancel(id)))))
                    .filter(view -> !filtered || states.contains(view.state()))
                    .ifPresent(items::add);
        }
        String next = examined < keys.size() ? last.substring(prefix.length()) : null;
        return new Page(items, next);
    }

    /** How a cancel went: {@code recorded} false when the job had already ended. */
    public record Cancel(JobView job, boolean recorded) {}

    public Cancel cancel(Caller caller, String id) {
        JobRequest request = owned(caller, id);
        JobStatus status = readStatus(id);
        boolean marked = store.exists(JobKeys.cancel(id));
        if (JobState.derive(status).isFinal()) {
            return new Cancel(present(viewOf(request, status, marked)), false);
        }
        store.put(JobKeys.cancel(id), EMPTY, "application/octet-stream");
        return new Cancel(present(viewOf(request, status, true)), true);
    }

    public void delete(Caller caller, String id) {
        JobRequest request = owned(caller, id);
        // The marker stops a running worker; its next ownership check finds status.json gone.
        store.put(JobKeys.cancel(id), EMPTY, "application/octet-stream");
        store.deletePrefix(JobKeys.prefix(id));
        store.delete(JobKeys.ownerIndexEntry(request.owner(), request.createdAt(), id));
        limits.finished(id);
    }

    /** The image of round {@code round}, streamed from S3. */
    public ObjectStore.StoredObject round(Caller caller, String id, int round) {
        String key = roundKey(owned(caller, id), round);
        return store.open(key)
                .orElseThrow(() -> ApiException.of(404, "round " + round + " of job " + id + " is not stored (yet)"));
    }

    /**
     * The image of round {@code round} for a share link the caller has already verified: any
     * owner's job; 404 alike for a missing job and a missing round.
     */
    public ObjectStore.StoredObject sharedRound(String id, int round) {
        Optional<JobRequest> request = readRequest(id);
        return request.flatMap(r -> store.open(roundKey(r, round)))
                .orElseThrow(() -> ApiException.of(404, "round " + round + " of job " + id + " is not stored"));
    }

    /** A URL on the S3 endpoint and how long it works. */
    public record PresignedUrl(String url, int expiresInSeconds) {}

    /** A presigned URL for round {@code round}, valid for the configured seconds. */
    public PresignedUrl presignRound(Caller caller, String id, int round) {
        String key = roundKey(owned(caller, id), round);
        if (!store.exists(key)) {
            throw ApiException.of(404, "round " + round + " of job " + id + " is not stored (yet)");
        }
        int seconds = s3.presignSeconds();
        return new PresignedUrl(store.presignGet(key, seconds), seconds);
    }

    private static String roundKey(JobRequest request, int round) {
        if (round < 0 || round >= request.options().rounds()) {
            throw ApiException.of(
                    404,
                    "round " + round + " does not exist; this job has rounds 0.."
                            + (request.options().rounds() - 1));
        }
        return JobKeys.roundImage(request.jobId(), round, request.options().format());
    }

    /** The request of a job the caller owns; 404 for a missing job and for another owner's. */
    public JobRequest owned(Caller caller, String id) {
        if (!JobIds.isValid(id)) {
            throw ApiException.notFound(id);
        }
        return readRequest(id)
                .filter(r -> r.owner().equals(caller.owner()))
                .orElseThrow(() -> ApiException.notFound(id));
    }

    public Optional<JobRequest> readRequest(String id) {
        return store.get(JobKeys.request(id)).map(ContractJson::readRequest);
    }

    /** The worker's status, or null while queued (or when the file is unreadable, which is logged). */
    public JobStatus readStatus(String id) {
        Optional<byte[]> bytes = store.get(JobKeys.status(id));
        if (bytes.isEmpty()) {
            return null;
        }
        try {
            return ContractJson.readStatus(bytes.get());
        } catch (ContractException e) {
            LOG.warnf("job %s: unreadable status.json (%s)", id, e.getMessage());
            return null;
        }
    }

    /** The public view of a job from its durable state. */
    public static JobView viewOf(JobRequest request, JobStatus status, boolean cancelMarker) {
        String id = request.jobId();
        JobState state = JobState.derive(status);
        JobOptions o = request.options();
        int roundsDone = status == null ? 0 : status.roundsDone();
        List<JobView.Round> rounds = new ArrayList<>();
        for (int r = 0; r < roundsDone; r++) {
            rounds.add(new JobView.Round(r, Links.round(id, r)));
        }
        Long queued = status == null || status.startedAt() == null
                ? null
                : Duration.between(request.createdAt(), status.startedAt()).toMillis();
        return new JobView(
                id,
                state,
                cancelMarker,
                o.model(),
                request.modelSha256(),
                o,
                new JobView.Input(request.inputWidth(), request.inputHeight()),
                new JobView.Progress(
                        status == null ? null : status.round(),
                        status == null ? null : status.iteration(),
                        o.rounds(),
                        o.iters(),
                        roundsDone),
                rounds,
                status == null ? null : status.error(),
                status == null ? null : status.run(),
                new JobView.Timings(
                        request.createdAt(),
                        status == null ? null : status.startedAt(),
                        status == null ? null : status.updatedAt(),
                        status == null ? null : status.finishedAt(),
                        queued,
                        status == null ? null : status.lastRoundMillis()),
                null,
                Links.of(id, o.animate() != null));
    }
}
