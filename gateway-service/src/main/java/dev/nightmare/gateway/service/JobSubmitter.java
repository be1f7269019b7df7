package dev.nightmare.gateway.service;

import dev.nightmare.contracts.AdmissionConfig;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.FieldProblem;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobIds;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobOptions;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.engine.dream.AdmissionRule;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.OptionException;
import dev.nightmare.engine.dream.WorkEstimate;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.retry.Retry;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Accepting a job (docs/architecture.md, "Flow" and "Idempotency"): validate everything a request
 * says against the model and the image, admit it by the one admission rule, then store the input
 * and the owner-index entry, create {@code request.json} (conditionally, so twins cannot both),
 * and publish. A submission that fails part-way leaves no job behind: what it wrote is removed,
 * {@code request.json} first, and a removal that fails is tried again in the background. A repeat
 * with the same Idempotency-Key is the same job only with the same options and the same image.
 */
@ApplicationScoped
public class JobSubmitter {
    private static final Logger LOG = Logger.getLogger(JobSubmitter.class);
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final byte[] EMPTY = new byte[0];
    /** Removals after a failed submission: S3 was just failing, so give it a few minutes. */
    private static final Retry CLEANUP = Retry.backoff(Duration.ofMillis(500), Duration.ofSeconds(30))
            .maxAttempts(10)
            .retryOn(StorageUnavailableException.class::isInstance)
            .logRetriesAt(System.Logger.Level.WARNING);

    private final ObjectStore store;
    private final JobBus bus;
    private final ModelCatalog models;
    private final Limits limits;
    private final WebhookPolicy webhooks;
    private final DecodeBudget decodeBudget;
    private final GatewayConfig config;
    private final JobService jobs;
    private final Clock clock;
    private final AdmissionRule admission;
    private final JobDefaults defaults;
    private final byte[] idSecret;
    private final SecureRandom seeds = new SecureRandom();
    /** S3 writes done side by side, events and cleanups after the answer: blocking I/O, so virtual threads. */
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();

    public JobSubmitter(
            ObjectStore store,
            JobBus bus,
            ModelCatalog models,
            Limits limits,
            WebhookPolicy webhooks,
            DecodeBudget decodeBudget,
            GatewayConfig config,
            JobService jobs,
            AdmissionConfig admission,
            JobDefaults defaults,
            Clock clock) {
        this.store = store;
        this.bus = bus;
        this.models = models;
        this.limits = limits;
        this.webhooks = webhooks;
        this.decodeBudget = decodeBudget;
        this.config = config;
        this.jobs = jobs;
        this.clock = clock;
        this.defaults = defaults;
        this.admission = admission.rule();
        this.idSecret = config.jobs().idSecret().getBytes(StandardCharsets.UTF_8);
        if (idSecret.length < 16) {
            throw new IllegalStateException("nightmare.jobs.id-secret must have at least 16 bytes");
        }
    }

    /**
     * A submission as the client sent it: image bytes, options, optional webhook and the events it
     * wants ({@link JobRequest#WEBHOOK_EVENTS}; null: all).
     */
    public record Submission(byte[] image, JobOptions options, String callbackUrl, List<String> webhookEvents) {
        public Submission(byte[] image, JobOptions options, String callbackUrl) {
            this(image, options, callbackUrl, null);
        }
    }

    /** The accepted job; {@code repeated} when an Idempotency-Key found an existing one. */
    public record Accepted(JobView job, boolean repeated) {}

    public Accepted submit(Caller caller, Submission submission, String idempotencyKey) {
        limits.takeSubmission(caller.owner());
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw ApiException.field(
                    400, "Idempotency-Key", "Idempotency-Key must be 1 to 255 printable ASCII characters");
        }
        String id = idempotencyKey == null ? JobIds.random() : JobIds.derive(idSecret, caller.owner(), idempotencyKey);
        if (idempotencyKey != null) {
            Optional<JobRequest> earlier = jobs.readRequest(id);
            if (earlier.isPresent()) {
                return repeat(caller, earlier.get(), submission);
            }
        }
        JobOptions options = defaults.apply(submission.options(), models);
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
            input = intake(submission.image(), maxSide);
        } catch (ApiException e) {
            if (e.status() != 422) {
                throw e;
            }
            problems.addAll(e.problems());
        }
        // The decoded image is held (and its memory reserved) until the submission is answered.
        try (ImageIntake.Input held = input) {
            JobOptions resolved = admit(options, problems, model, held, defaultMaxSide);
            limits.checkConcurrent(caller.owner());
            return create(caller, id, resolved, model, held, submission.callbackUrl(), submission.webhookEvents());
        }
    }

    /** The options resolved, once every problem of the request is known to be none. */
    private JobOptions admit(
            JobOptions options,
            List<FieldProblem> problems,
            ModelCatalog.ModelInfo model,
            ImageIntake.Input input,
            int defaultMaxSide) {
        JobOptions resolved = null;
        if (problems.isEmpty()) {
            // Resolve only valid options: an unknown format or rng has no default to fall back on.
            resolved = options.resolve(seeds.nextInt(Integer.MAX_VALUE), defaultMaxSide);
            NetworkSpec spec = models.spec(model);
            int width = input.image().width();
            int height = input.image().height();
            for (OptionException p : Nightmare.problems(resolved.toEngine(), spec, width, height)) {
                problems.add(new FieldProblem(p.option(), p.getMessage()));
            }
            if (problems.isEmpty()) {
                admission
                        .refusal(
                                WorkEstimate.of(spec, resolved.toEngine(), resolved.batchNormGradient(), width, height))
                        .ifPresent(r -> problems.add(new FieldProblem(r.option(), r.message())));
            }
        }
        if (!problems.isEmpty()) {
            throw new ApiException(
                    422, "the request cannot run: " + problems.getFirst().message(), problems, 0);
        }
        return resolved;
    }

    private ImageIntake.Input intake(byte[] image, Integer maxSide) {
        return ImageIntake.read(
                image, config.limits().maxUploadBytes(), config.limits().maxPixels(), maxSide, decodeBudget);
    }

    /**
     * Stores what the job is, then publishes it: the input first (only if absent: an existing one
     * must be the same image), then {@code request.json} (only if absent: of two twins with one
     * Idempotency-Key one creates the job, the other answers with it), then the owner-index entry,
     * then the Kafka message. So {@code request.json} never exists without its input, and an index
     * entry never without its job. A failure on the way removes what this submission wrote.
     */
    private Accepted create(
            Caller caller,
            String id,
            JobOptions options,
            ModelCatalog.ModelInfo model,
            ImageIntake.Input input,
            String callbackUrl,
            List<String> webhookEvents) {
        Instant now = clock.instant();
        JobRequest request = new JobRequest(
                JobRequest.schemaVersionFor(options),
                id,
                caller.owner(),
                options,
                model.sha256(),
                JobKeys.input(id),
                input.image().width(),
                input.image().height(),
                now,
                now.plus(config.jobs().deadline()),
                callbackUrl,
                webhookEvents);
        byte[] requestJson = ContractJson.write(request);
        String indexEntry = JobKeys.ownerIndexEntry(caller.owner(), now, id);
        Written written = new Written(id, requestJson, indexEntry);
        boolean created;
        try {
            written.input = store.putIfAbsent(JobKeys.input(id), input.png(), "image/png");
            if (!written.input && !sameImage(id, input.sha256())) {
                throw differentImage(id);
            }
            created = store.putIfAbsent(JobKeys.request(id), requestJson, "application/json");
            if (created) {
                store.put(indexEntry, EMPTY, "application/octet-stream");
            }
        } catch (StorageUnavailableException e) {
            discard(written);
            throw e;
        }
        if (!created) {
            // A twin with the same Idempotency-Key won the race on another replica: answer with its job.
            JobRequest twin =
                    jobs.readRequest(id).orElseThrow(() -> ApiException.of(409, "job " + id + " is being created"));
            return repeat(caller, twin, options, input.sha256());
        }
        try {
            bus.publishRequest(request);
        } catch (BusUnavailableException e) {
            LOG.warnf("job %s not queued: %s", id, e.getMessage());
            discard(written);
            throw ApiException.unavailable("the job queue (Kafka) is unavailable; retry later", 5);
        }
        publishQuietly(JobEvent.queued(id, now, options.rounds(), options.iters()));
        limits.started(caller.owner(), id, request.deadline());
        return new Accepted(JobService.viewOf(request, null, false), false);
    }

    /** What one submission may have written, so that a failure removes that and nothing of a twin's. */
    private static final class Written {
        final String id;
        final byte[] requestJson;
        final String indexEntry;
        boolean input;

        Written(String id, byte[] requestJson, String indexEntry) {
            this.id = id;
            this.requestJson = requestJson;
            this.indexEntry = indexEntry;
        }
    }

    /** A repeat of an existing job's Idempotency-Key: the image is decoded as the job's was, then compared. */
    private Accepted repeat(Caller caller, JobRequest earlier, Submission submission) {
        JobOptions asked = submission.options();
        checkSameRequest(caller, earlier, asked);
        Integer maxSide =
                asked.maxSide() != null ? asked.maxSide() : earlier.options().maxSide();
        try (ImageIntake.Input input = intake(submission.image(), maxSide)) {
            return repeat(caller, earlier, asked, input.sha256());
        }
    }

    private Accepted repeat(Caller caller, JobRequest earlier, JobOptions asked, String inputSha256) {
        checkSameRequest(caller, earlier, asked);
        String id = earlier.jobId();
        if (!sameImage(id, inputSha256)) {
            throw differentImage(id);
        }
        JobStatus status = jobs.readStatus(id);
        if (status == null) {
            // Still queued: publish again in case the first publish was lost; workers de-duplicate by id.
            bus.publishRequest(earlier);
        }
        return new Accepted(jobs.view(earlier, status, store.exists(JobKeys.cancel(id))), true);
    }

    private static void checkSameRequest(Caller caller, JobRequest earlier, JobOptions asked) {
        // Every option the client gave must equal the stored job's resolved one (absent ones take its values).
        boolean sameOptions = asked.resolve(
                        earlier.options().seed(), earlier.options().maxSide())
                .equals(earlier.options());
        if (!earlier.owner().equals(caller.owner()) || !sameOptions) {
            throw ApiException.field(
                    409,
                    "Idempotency-Key",
                    "this Idempotency-Key was already used for job " + earlier.jobId()
                            + " with different options; use a new key for a new job");
        }
    }

    /** Whether the stored input is exactly the image given now (absent: nothing to differ from). */
    private boolean sameImage(String id, String sha256) {
        return store.get(JobKeys.input(id))
                .map(ImageIntake::sha256)
                .map(sha256::equals)
                .orElse(true);
    }

    private static ApiException differentImage(String id) {
        return ApiException.field(
                409,
                "Idempotency-Key",
                "this Idempotency-Key was already used for job " + id
                        + " with a different image; use a new key for a new job");
    }

    /**
     * Removes what a failed submission wrote, so no job is left that never reached a worker:
     * {@code request.json} first (it is what makes a job exist) if it is this submission's own (a
     * twin's, with the same Idempotency-Key, stays), then the rest. A removal that fails is tried
     * again in the background for a while.
     */
    private void discard(Written written) {
        Runnable removal = () -> {
            Optional<byte[]> request = store.get(JobKeys.request(written.id));
            boolean ours = request.isPresent() && java.util.Arrays.equals(request.get(), written.requestJson);
            if (ours) {
                store.delete(JobKeys.request(written.id));
                store.deletePrefix(JobKeys.prefix(written.id));
                store.delete(written.indexEntry);
            } else if (request.isEmpty() && written.input) {
                store.delete(JobKeys.input(written.id));
            }
        };
        try {
            removal.run();
        } catch (StorageUnavailableException e) {
            LOG.warnf(
                    "job %s: removing what a failed submission wrote failed (%s); retrying",
                    written.id, e.getMessage());
            io.execute(() -> retryDiscard(written.id, removal));
        }
    }

    private static void retryDiscard(String id, Runnable removal) {
        try {
            CLEANUP.run("job " + id + ": remove what a failed submission wrote", removal, () -> false);
            LOG.infof("job %s: what its failed submission wrote is removed", id);
        } catch (StorageUnavailableException e) {
            LOG.errorf("job %s: what its failed submission wrote could not be removed; it was never published", id);
        }
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
}
