package dev.nightmare.gateway.it;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.contracts.RunDetails;
import dev.nightmare.contracts.Topics;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.video.Animation;
import dev.nightmare.video.Animator;
import dev.nightmare.video.Frame;
import dev.nightmare.video.Motion;
import dev.nightmare.video.VideoFormat;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The dream-worker's side of the contract, one step at a time, so a test can look at a client
 * between the steps: {@link #start}, {@link #progress}, {@link #round}, then {@link #succeed} or
 * {@link #cancelIfAsked}. Each step writes S3 first, then publishes its event (as
 * docs/architecture.md prescribes). The "dream" lays a coloured wave pattern over the picture,
 * stronger each round, so rounds are told apart at a glance (and in screenshots).
 */
final class ScriptedWorker implements AutoCloseable {
    static final String BACKEND = "scripted-worker";

    private final MinioClient s3;
    private final String bucket;
    private final KafkaProducer<String, byte[]> producer;
    private final String workerId = "scripted-worker/" + ProcessHandle.current().pid();
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    private static final class Job {
        final JobRequest request;
        final RunDetails run;
        Image image;
        JobStatus status;

        Job(JobRequest request, RunDetails run, Image image) {
            this.request = request;
            this.run = run;
            this.image = image;
        }
    }

    ScriptedWorker(MinioClient s3, String bucket, String bootstrapServers) {
        this.s3 = s3;
        this.bucket = bucket;
        this.producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrapServers, "acks", "all"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Takes the job: status {@code running}, then the {@code started} event with the run details. */
    RunDetails start(String jobId) throws Exception {
        return start(jobId, true);
    }

    /**
     * Takes the job; with {@code announceRun} false the {@code started} event leaves the run details
     * out (as when that fire-and-forget event is lost and a later one must bring them).
     */
    RunDetails start(String jobId, boolean announceRun) throws Exception {
        JobRequest request = ContractJson.readRequest(get(JobKeys.request(jobId)));
        Image input = ImageCodec.decode(get(request.inputKey()), "input", 1 << 24);
        RunDetails run = new RunDetails(
                "test",
                BACKEND,
                "none",
                request.options().rng(),
                request.options().seed(),
                request.model(),
                request.modelSha256());
        Job job = new Job(request, run, input.copy());
        int rounds = request.options().rounds();
        int iters = request.options().iters();
        job.status = JobStatus.started(jobId, workerId, "attempt-1", 1, rounds, iters, 0, run, Instant.now());
        put(JobKeys.status(jobId), ContractJson.write(job.status), "application/json");
        jobs.put(jobId, job);
        publish(JobEvent.started(jobId, Instant.now(), workerId, "attempt-1", rounds, iters, announceRun ? run : null));
        return run;
    }

    /** A {@code progress} event: iteration {@code iteration} (0-based) of round {@code round} is under way. */
    void progress(String jobId, int round, int iteration) throws Exception {
        Job job = job(jobId);
        job.status = job.status.at(round, iteration, Instant.now());
        put(JobKeys.status(jobId), ContractJson.write(job.status), "application/json");
        publish(JobEvent.progress(
                jobId,
                Instant.now(),
                workerId,
                "attempt-1",
                round,
                iteration,
                job.request.options().rounds(),
                job.request.options().iters()));
    }

    /** Round {@code round} is done: its image and checkpoint, the status, then the {@code round} event. */
    void round(String jobId, int round) throws Exception {
        Job job = job(jobId);
        dream(job.image, round);
        String format = job.request.options().format();
        put(
                JobKeys.roundImage(jobId, round, format),
                ImageCodec.encode(job.image, job.request.options().imageFormat()),
                job.request.options().imageFormat().mediaType());
        put(JobKeys.roundCheckpoint(jobId, round), FloatImageFile.encode(job.image), "application/octet-stream");
        job.status = job.status.afterRound(round, 800, Instant.now());
        put(JobKeys.status(jobId), ContractJson.write(job.status), "application/json");
        publish(JobEvent.round(
                jobId,
                Instant.now(),
                workerId,
                "attempt-1",
                round,
                job.request.options().rounds(),
                job.request.options().iters(),
                JobKeys.roundImage(jobId, round, format),
                JobKeys.roundCheckpoint(jobId, round)));
    }

    void succeed(String jobId) throws Exception {
        finish(jobId, EventType.SUCCEEDED, JobState.SUCCEEDED);
    }

    /**
     * The end of a job with {@code options.animate}, as the worker does it: the stored rounds
     * encoded as a real MP4 (4 fps) and stored, then {@code succeeded} with its {@code videoKey}.
     */
    void succeedWithVideo(String jobId) throws Exception {
        Job job = job(jobId);
        String format = job.request.options().format();
        Path file = Files.createTempFile("scripted-video-", ".mp4");
        try {
            try (Animator video = Animator.open(file, new Animation(VideoFormat.MP4, 4, 0), Motion.NONE)) {
                for (int r = 0; r < job.status.roundsDone(); r++) {
                    video.round(Frame.decode(get(JobKeys.roundImage(jobId, r, format)), "round " + r));
                }
            }
            put(JobKeys.video(jobId, "mp4"), Files.readAllBytes(file), "video/mp4");
        } finally {
            Files.deleteIfExists(file);
        }
        job.status = job.status.finished(JobState.SUCCEEDED, null, Instant.now());
        put(JobKeys.status(jobId), ContractJson.write(job.status), "application/json");
        publish(JobEvent.finished(
                        EventType.SUCCEEDED,
                        jobId,
                        Instant.now(),
                        workerId,
                        "attempt-1",
                        job.status.roundsDone(),
                        null,
                        job.run)
                .withVideo(JobKeys.video(jobId, "mp4")));
        jobs.remove(jobId);
    }

    /** Does what a worker does at its next iteration: stops with {@code canceled} if the marker is there. */
    boolean cancelIfAsked(String jobId) throws Exception {
        try {
            s3.statObject(StatObjectArgs.builder()
                    .bucket(bucket)
                    .object(JobKeys.cancel(jobId))
                    .build());
        } catch (Exception absent) {
            return false;
        }
        finish(jobId, EventType.CANCELED, JobState.CANCELED);
        return true;
    }

    /** The whole job at once: started, a progress event and the image of every round, succeeded. */
    void run(String jobId) throws Exception {
        start(jobId);
        int rounds = job(jobId).request.options().rounds();
        for (int r = 0; r < rounds; r++) {
            progress(jobId, r, 0);
            round(jobId, r);
        }
        succeed(jobId);
    }

    private void finish(String jobId, EventType event, JobState state) throws Exception {
        Job job = job(jobId);
        job.status = job.status.finished(state, null, Instant.now());
        put(JobKeys.status(jobId), ContractJson.write(job.status), "application/json");
        publish(JobEvent.finished(
                event, jobId, Instant.now(), workerId, "attempt-1", job.status.roundsDone(), null, job.run));
        jobs.remove(jobId);
    }

    /** Waves of colour over the picture, each round a little stronger and shifted. */
    private static void dream(Image image, int round) {
        int w = image.width();
        int h = image.height();
        float[] data = image.data();
        float strength = Math.min(0.7f, 0.22f + 0.14f * round);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = (c * h + y) * w + x;
                    double wave =
                            0.5 + 0.5 * Math.sin(x * 0.11 + Math.sin(y * 0.07 + round) * 3 + c * 2.1 + round * 0.9);
                    data[i] = (float) Math.min(1, Math.max(0, data[i] * (1 - strength) + wave * strength));
                }
            }
        }
    }

    private Job job(String jobId) {
        Job job = jobs.get(jobId);
        if (job == null) {
            throw new IllegalStateException("job " + jobId + " was not started by this worker");
        }
        return job;
    }

    private byte[] get(String key) throws Exception {
        try (InputStream in =
                s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return in.readAllBytes();
        }
    }

    private void put(String key, byte[] bytes, String type) throws Exception {
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(
                        new ByteArrayInputStream(bytes), bytes.length, -1)
                .contentType(type)
                .build());
    }

    private void publish(JobEvent event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.EVENTS, event.jobId(), ContractJson.write(event)))
                .get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        producer.close();
    }
}
