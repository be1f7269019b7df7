package dev.nightmare.gateway.service;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.FieldProblem;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.OptionException;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.s3.S3Config;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The job operations behind the API. Everything it answers is read from S3 ({@code request.json},
 * {@code status.json}, the cancel marker, the owner index), so any replica gives the same answer;
 * a job of another owner is reported exactly like a missing one (404).
 */
@ApplicationScoped
public class JobService {
    private static final Logger LOG = Logger.getLogger(JobService.class);
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final byte[] EMPTY = new byte[0];

    private final ObjectStore store;
    private final JobBus bus;
    private final ModelCatalog models;
    private final Limits limits;
    private final WebhookPolicy webhooks;
    private final DecodeBudget decodeBudget;
    private final GatewayConfig config;
    private final S3Config s3;
    private final Clock clock;
    private final byte[] idSecret;
    private final SecureRandom seeds = new SecureRandom();
    /** S3 writes done side by side and events published after the answer: blocking I/O, so virtual threads. */
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();

    public JobService(
            ObjectStore store,
            JobBus bus,
            ModelCatalog models,
            Limits limits,
            WebhookPolicy webhooks,
            DecodeBudget decodeBudget,
            GatewayConfig config,
            S3Config s3,
            Clock clock) {
        this.s3 = s3;
        this.clock = clock;
        this.store = store;
        this.decodeBudget = decodeBudget;
        this.bus = bus;
        this.models = models;
        this.limits = limits;
        this.webhooks = webhooks;
        this.config = config;
        this.idSecret = config.jobs().idSecret().getBytes(StandardCharsets.UTF_8);
        if (idSecret.length < 16) {
            throw new IllegalStateException("nightmare.jobs.id-secret must have at least 16 bytes");
        }
    }

    /** A submission as the client sent it: image bytes, options, optional webhook. */
    public record Submission(byte[] image, JobOptions options, String callbackUrl) {}

    /** The accepted job; {@code repeated} when an Idempotency-Key found an existing one. */
    public record Accepted(JobView job, boolean repeated) {}

    /** One page of an owner's jobs, newest first; {@code next} is the cursor of the next page. */
    public record Page(List<JobView> items, String next) {}

    public Accepted submit(Caller caller, Submission submission, String idempotencyKey) {
        limits.takeSubmission(caller.owner());
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw ApiException.field(
                    400, "Idempotency-Key", "Idempotency-Key must be 1 to 255 printable ASCII characters");
        }
        String id = idempotencyKey == null ? JobIds.random() : JobIds.derive(idSecret, caller.owner(), idempotencyKey);
        if (idempotencyKey != null) {
            Optional<Accepted> existing = existing(caller, id, submission.options());
            if (existing.isPresent()) {
                return existing.get();
            }
        }

        JobOptions options = submission.options();
        List<FieldProblem> problems = new ArrayList<>(options.problems());
        if (submission.callbackUrl() != null) {
            webhooks.refusal(submission.callbackUrl())
                    .ifPresent(why -> problems.add(new FieldProblem("callbackUrl", why)));
        }
        ModelCatalog.ModelInfo model = null;
        if (problems.stream().noneMatch(p -> p.field().equals("model"))) {
            model = models.find(options.model()).orElse(null);
            if (model == null) {
                problems.add(new FieldProblem(
                        "model", "model '" + options.model() + "' is unknown; list the models with GET /v1/models"));
            }
        }
        int defaultMaxSide = config.jobs().defaultMaxSide();
        boolean maxSideOk = problems.stream().noneMatch(p -> p.field().equals("maxSide"));
        Integer maxSide = maxSideOk && options.maxSide() != null ? options.maxSide() : defaultMaxSide;
        ImageIntake.Input input = null;
        try {
            input = ImageIntake.read(
                    submission.image(),
                    config.limits().maxUploadBytes(),
                    config.limits().maxPixels(),
                    maxSide,
                    decodeBudget);
        } catch (ApiException e) {
            if (e.status() != 422) {
                throw e;
            }
            problems.addAll(e.problems());
        }
        // The decoded image is held (and its memory reserved) until the submission is answered.
        try (ImageIntake.Input held = input) {
            return submit(caller, id, options, problems, model, held, submission.callbackUrl(), defaultMaxSide);
        }
    }

    private Accepted submit(
            Caller caller,
            String id,
            JobOptions options,
            List<FieldProblem> problems,
            ModelCatalog.ModelInfo model,
            ImageIntake.Input input,
            String callbackUrl,
            int defaultMaxSide) {
        JobOptions resolved = null;
        if (problems.isEmpty()) {
            // Resolve only valid options: an unknown format or rng has no default to fall back on.
            resolved = options.resolve(seeds.nextInt(Integer.MAX_VALUE), defaultMaxSide);
            NetworkSpec spec = models.spec(model);
            for (OptionException p : Nightmare.problems(
                    resolved.toEngine(),
                    spec,
                    input.image().width(),
                    input.image().height())) {
                problems.add(new FieldProblem(p.option(), p.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ApiException(
                    422, "the request cannot run: " + problems.getFirst().message(), problems, 0);
        }
        limits.checkConcurrent(caller.owner());
        return create(caller, id, resolved, model, input, callbackUrl);
    }

    private Accepted create(
            Caller caller,
            String id,
            JobOptions options,
            ModelCatalog.ModelInfo model,
            ImageIntake.Input input,
            String callbackUrl) {
        Instant now = clock.instant();
        Duration deadline = config.jobs().deadline();
        JobRequest request = new JobRequest(
                JobRequest.SCHEMA_VERSION,
                id,
                caller.owner(),
                options,
                model.sha256(),
                JobKeys.input(id),
                input.image().width(),
                input.image().height(),
                now,
                now.plus(deadline),
                callbackUrl);
        String indexEntry = JobKeys.ownerIndexEntry(caller.owner(), now, id);
        // The input and the index entry are written while request.json is: all three must exist
        // before the request is published, none depends on another.
        CompletableFuture<Void> inputWritten =
                CompletableFuture.runAsync(() -> store.put(JobKeys.input(id), input.png(), "image/png"), io);
        CompletableFuture<Void> indexWritten =
                CompletableFuture.runAsync(() -> store.put(indexEntry, EMPTY, "application/octet-stream"), io);
        boolean created = store.putIfAbsent(JobKeys.request(id), ContractJson.write(request), "application/json");
        join(inputWritten);
        join(indexWritten);
        if (!created) {
            // A twin with the same Idempotency-Key won the race on another replica: answer with its job.
            return existing(caller, id, options)
                    .orElseThrow(() -> ApiException.of(409, "job " + id + " is being created"));
        }
        try {
            bus.publishRequest(request);
        } catch (BusUnavailableException e) {
            LOG.warnf("job %s not queued: %s", id, e.getMessage());
            // Leave nothing behind that would show a job that never reached a worker.
            try {
                store.delete(indexEntry);
                store.deletePrefix(JobKeys.prefix(id));
            } catch (StorageUnavailableException cleanup) {
                LOG.warnf("job %s: cleanup after failed publish failed: %s", id, cleanup.getMessage());
            }
            throw ApiException.unavailable("the job queue (Kafka) is unavailable; retry later", 5);
        }
        publishQuietly(JobEvent.queued(id, now, options.rounds(), options.iters()));
        limits.started(caller.owner(), id, request.deadline());
        return new Accepted(viewOf(request, null, false), false);
    }

    private Optional<Accepted> existing(Caller caller, String id, JobOptions asked) {
        Optional<JobRequest> found = readRequest(id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        JobRequest request = found.get();
        if (!request.owner().equals(caller.owner()) || !compatible(asked, request.options())) {
            throw ApiException.field(
                    409,
                    "Idempotency-Key",
                    "this Idempotency-Key was already used for job " + id + " with different options");
        }
        JobStatus status = readStatus(id);
        if (status == null) {
            // Still queued: publish again in case the first publish was lost; workers de-duplicate by id.
            bus.publishRequest(request);
        }
        return Optional.of(new Accepted(viewOf(request, status, store.exists(JobKeys.cancel(id))), true));
    }

    /** True when every option the client gave equals the stored job's resolved option. */
    private static boolean compatible(JobOptions asked, JobOptions stored) {
        return asked.resolve(stored.seed(), stored.maxSide()).equals(stored);
    }

    public JobView view(Caller caller, String id) {
        JobRequest request = owned(caller, id);
        return viewOf(request, readStatus(id), store.exists(JobKeys.cancel(id)));
    }

    public Page list(Caller caller, int limit, String cursor) {
        int size = Math.clamp(limit, 1, 100);
        String prefix = JobKeys.ownerIndex(caller.owner());
        String startAfter = null;
        if (cursor != null && !cursor.isBlank()) {
            if (JobKeys.jobIdOfIndexEntry(cursor) == null) {
                throw ApiException.field(400, "after", "after is not a cursor from a previous page");
            }
            startAfter = prefix + cursor;
        }
        List<String> keys = store.list(prefix, startAfter, size + 1);
        List<JobView> items = new ArrayList<>();
        for (String key : keys.subList(0, Math.min(size, keys.size()))) {
            String id = JobKeys.jobIdOfIndexEntry(key);
            if (id == null) {
                continue;
            }
            readRequest(id)
                    .filter(r -> r.owner().equals(caller.owner()))
                    .ifPresent(r -> items.add(viewOf(r, readStatus(id), false)));
        }
        String next = keys.size() > size ? keys.get(size - 1).substring(prefix.length()) : null;
        return new Page(items, next);
    }

    public JobView cancel(Caller caller, String id) {
        JobRequest request = owned(caller, id);
        JobStatus status = readStatus(id);
        if (JobState.derive(status).isFinal()) {
            return viewOf(request, status, false);
        }
        store.put(JobKeys.cancel(id), EMPTY, "application/octet-stream");
        return viewOf(request, status, true);
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
                cancelMarker && !state.isFinal(),
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
                Links.of(id));
    }

    /** Publishes without making the client wait: the event only feeds live streams, which read S3 first anyway. */
    private void publishQuietly(JobEvent event) {
        io.execute(() -> {
            try {
                bus.publishEvent(event);
            } catch (BusUnavailableException e) {
                LOG.warnf("job %s: %s event not published: %s", event.jobId(), event.type(), e.getMessage());
            }
        });
    }

    private static void join(CompletableFuture<Void> write) {
        try {
            write.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
