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
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays the dream-worker's part of the contract in ITs: writes status.json and round objects to
 * S3 and publishes events, in the order docs/architecture.md prescribes (S3 first, then the
 * event). The "dream" is a brightness change of the input, enough to tell rounds apart.
 */
final class TestWorker implements AutoCloseable {
    private final MinioClient s3;
    private final String bucket;
    private final KafkaProducer<String, byte[]> producer;
    private final String workerId = "test-worker/" + ProcessHandle.current().pid();

    TestWorker(MinioClient s3, String bucket, String bootstrapServers) {
        this.s3 = s3;
        this.bucket = bucket;
        this.producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrapServers, "acks", "all"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Runs the whole job: started, every round, succeeded. */
    void run(String jobId) throws Exception {
        JobRequest request = ContractJson.readRequest(get(JobKeys.request(jobId)));
        Image input = ImageCodec.decode(get(request.inputKey()), "input", 1 << 24);
        RunDetails run = new RunDetails(
                "test",
                "test-worker",
                "none",
                request.options().rng(),
                request.options().seed(),
                request.model(),
                request.modelSha256());
        int rounds = request.options().rounds();
        int iters = request.options().iters();
        JobStatus status = JobStatus.started(jobId, workerId, "attempt-1", 1, rounds, iters, 0, run, Instant.now());
        put(JobKeys.status(jobId), ContractJson.write(status), "application/json");
        publish(JobEvent.started(jobId, Instant.now(), workerId, "attempt-1", rounds, iters, run));
        Image image = input.copy();
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < image.data().length; i++) {
                image.data()[i] = Math.min(1f, image.data()[i] * 0.8f + 0.1f);
            }
            publish(JobEvent.progress(jobId, Instant.now(), workerId, "attempt-1", r, 0, rounds, iters));
            String format = request.options().format();
            put(
                    JobKeys.roundImage(jobId, r, format),
                    ImageCodec.encode(image, request.options().imageFormat()),
                    request.options().imageFormat().mediaType());
            put(JobKeys.roundCheckpoint(jobId, r), FloatImageFile.encode(image), "application/octet-stream");
            status = status.afterRound(r, 5, Instant.now());
            put(JobKeys.status(jobId), ContractJson.write(status), "application/json");
            publish(JobEvent.round(
                    jobId,
                    Instant.now(),
                    workerId,
                    "attempt-1",
                    r,
                    rounds,
                    iters,
                    JobKeys.roundImage(jobId, r, format),
                    JobKeys.roundCheckpoint(jobId, r)));
        }
        put(
                JobKeys.status(jobId),
                ContractJson.write(status.finished(JobState.SUCCEEDED, null, Instant.now())),
                "application/json");
        publish(JobEvent.finished(EventType.SUCCEEDED, jobId, Instant.now(), workerId, "attempt-1", rounds, null, run));
    }

    byte[] get(String key) throws Exception {
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

    void publish(JobEvent event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.EVENTS, event.jobId(), ContractJson.write(event)))
                .get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        producer.close();
    }
}
