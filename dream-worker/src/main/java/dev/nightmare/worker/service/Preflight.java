package dev.nightmare.worker.service;

import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.engine.dream.AdmissionRule;
import dev.nightmare.engine.dream.Nightmare;
import dev.nightmare.engine.dream.NightmareOptions;
import dev.nightmare.engine.dream.OptionException;
import dev.nightmare.engine.dream.WorkEstimate;
import dev.nightmare.engine.image.Image;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * What settles a delivery before it dreams. Before the take-over nothing is written: the job was
 * deleted, the message is not the job, or the job is over already. After it, a finding becomes the
 * job's final state: the cancel marker is there, the deadline passed, every round is stored, the
 * model version or the input is gone, the options do not fit the model, or the job is beyond this
 * worker's admission rule. Apart from the {@link JobRunner} so that every way a job ends without a
 * dream reads in one place and in order, and the runner keeps to the take-over, the dream and how
 * it ended.
 */
final class Preflight {
    private static final Logger LOG = Logger.getLogger(Preflight.class);

    /** What the checks after the take-over found. */
    sealed interface Verdict {}

    /** Nothing stands in the way: dream {@code input} on {@code loaded} with {@code engineOptions}. */
    record Ready(ModelRegistry.Loaded loaded, Image input, NightmareOptions engineOptions) implements Verdict {}

    /** Every round is stored already; only the end of the job (its video, then success) is left. */
    record AllStored() implements Verdict {}

    /**
     * The job ends here in {@code state}, with {@code error} in a user's words; where {@code
     * deadLetter} is not null, the record goes to the dead-letter topic, even when a lost lock left
     * the final state to the next owner: a redelivery would find the same.
     */
    record Ends(JobState state, String error, Disposition.DeadLetter deadLetter) implements Verdict {}

    private final JobRequest request;
    private final String id;
    private final ModelRegistry models;
    private final StoredInputs inputs;
    private final AdmissionRule admission;
    private final JobControl control;

    Preflight(
            JobRequest request,
            ModelRegistry models,
            StoredInputs inputs,
            AdmissionRule admission,
            JobControl control) {
        this.request = request;
        this.id = request.jobId();
        this.models = models;
        this.inputs = inputs;
        this.admission = admission;
        this.control = control;
    }

    /**
     * What ends the delivery before the take-over, if anything. The status is joined only once the
     * stored request is known to match, so a deleted job is dropped even while the status cannot be
     * read.
     */
    Optional<Disposition> beforeTakeOver(
            CompletableFuture<Optional<byte[]>> storedRequest,
            CompletableFuture<Optional<Versioned<JobStatus>>> status) {
        Optional<byte[]> stored = JobIo.join(storedRequest);
        if (stored.isEmpty()) {
            LOG.infof("job %s: request.json is gone (deleted); dropping the message", id);
            return Optional.of(Disposition.accept("deleted"));
        }
        Optional<String> mismatch = mismatch(stored.get());
        if (mismatch.isPresent()) {
            LOG.warnf("job %s: the message is not the stored request (%s); dead-lettering it", id, mismatch.get());
            return Optional.of(new Disposition.DeadLetter("REQUEST_MISMATCH", mismatch.get()));
        }
        Optional<Versioned<JobStatus>> current = JobIo.join(status);
        if (current.isPresent() && current.get().value().state().isFinal()) {
            LOG.infof(
                    "job %s: already %s; duplicate delivery",
                    id, current.get().value().state().wireName());
            return Optional.of(Disposition.accept("duplicate"));
        }
        return Optional.empty();
    }

    /**
     * Why the delivered message cannot run: request.json is what the gateway validated, so a
     * message that says anything else (other options, seed, deadline, model) is not this job.
     */
    private Optional<String> mismatch(byte[] storedRequest) {
        JobRequest validated;
        try {
            validated = ContractJson.readRequest(storedRequest);
        } catch (ContractException e) {
            return Optional.of("request.json cannot be read: " + e.getMessage());
        }
        return validated.equals(request)
                ? Optional.empty()
                : Optional.of("the message differs from the job's request.json, which the gateway validated");
    }

    /**
     * What is known after the take-over, before dreaming. The cheap checks come first; the model is
     * loaded, and only then the input awaited and decoded, when nothing else ends the job.
     *
     * @param canceled the cancel marker's check, read with the take-over
     * @param now when the job was taken over
     * @param done how many rounds are stored already
     * @param inputBytes {@code input.png}, read with the take-over
     */
    Verdict beforeDreaming(
            CompletableFuture<Boolean> canceled,
            Instant now,
            int done,
            CompletableFuture<Optional<byte[]>> inputBytes) {
        if (JobIo.join(canceled)) {
            return new Ends(JobState.CANCELED, null, null);
        }
        if (request.deadline() != null && now.isAfter(request.deadline())) {
            return failed("the job's deadline (" + request.deadline() + ") passed before a worker could run it");
        }
        if (done >= request.options().rounds()) {
            return new AllStored();
        }

        ModelRegistry.Loaded loaded;
        try {
            loaded = models.get(
                    request.model(), request.modelSha256(), request.options().batchNormGradient(), control::abandoned);
        } catch (UnknownModelException e) {
            String error = "model " + request.model() + " version " + request.modelSha256()
                    + " is no longer in the model-store; submit the job again to use the current version";
            return new Ends(JobState.FAILED, error, new Disposition.DeadLetter("UNKNOWN_MODEL", e.getMessage()));
        }
        Image input = inputs.input(JobIo.join(inputBytes));
        if (input == null) {
            String error = "the input image of this job is missing or unreadable; submit it again";
            return new Ends(JobState.FAILED, error, new Disposition.DeadLetter("MISSING_INPUT", error));
        }
        NightmareOptions engineOptions = request.options().toEngine();
        List<OptionException> problems =
                Nightmare.problems(engineOptions, loaded.model().spec(), input.width(), input.height());
        if (!problems.isEmpty()) {
            return failed(problems.getFirst().getMessage());
        }
        Optional<AdmissionRule.Refusal> refusal = admission.refusal(WorkEstimate.of(
                loaded.model().spec(),
                engineOptions,
                request.options().batchNormGradient(),
                input.width(),
                input.height()));
        if (refusal.isPresent()) {
            return failed("this worker cannot run the job: " + refusal.get().message());
        }
        return new Ready(loaded, input, engineOptions);
    }

    private static Ends failed(String error) {
        return new Ends(JobState.FAILED, error, null);
    }
}
