package dev.nightmare.worker.testing;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.engine.image.FloatImageFile;
import dev.nightmare.engine.image.Image;
import dev.nightmare.worker.service.JobStore;
import dev.nightmare.worker.service.PreconditionFailedException;
import dev.nightmare.worker.service.TransientException;
import dev.nightmare.worker.service.Versioned;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A {@link JobStore} in memory with S3's conditional-write semantics, a log of every write shared
 * with {@link RecordingEvents} (so tests can check that objects are stored before their events),
 * and failure injection: the next N calls of an operation fail transiently, or a hook runs when
 * the cancel marker is read.
 */
public final class InMemoryJobStore implements JobStore {
    private final Map<String, byte[]> objects = new TreeMap<>();
    private final Map<String, String> etags = new TreeMap<>();
    private final AtomicInteger versions = new AtomicInteger();
    private final List<String> log;
    private final Map<String, Integer> failures = new TreeMap<>();
    private Predicate<Integer> cancelAfterChecks = n -> false;
    private int cancelChecks;
    private Runnable onCancelCheck = () -> {};
    private Runnable betweenCheckAndWrite = () -> {};

    public InMemoryJobStore(List<String> log) {
        this.log = log;
    }

    public InMemoryJobStore() {
        this(new ArrayList<>());
    }

    public List<String> log() {
        return log;
    }

    public synchronized void put(String key, byte[] bytes) {
        objects.put(key, bytes.clone());
        etags.put(key, "v" + versions.incrementAndGet());
    }

    public synchronized Optional<byte[]> object(String key) {
        return Optional.ofNullable(objects.get(key)).map(byte[]::clone);
    }

    public synchronized void delete(String key) {
        objects.remove(key);
        etags.remove(key);
    }

    public synchronized List<String> keys() {
        return List.copyOf(objects.keySet());
    }

    /** The stored status.json, parsed. */
    public synchronized JobStatus storedStatus(String jobId) {
        byte[] bytes = objects.get(JobKeys.status(jobId));
        return bytes == null ? null : ContractJson.readStatus(bytes);
    }

    /** The next {@code times} calls of {@code operation} (a method name) fail transiently. */
    public synchronized void failNext(String operation, int times) {
        failures.put(operation, times);
    }

    /** The cancel marker reads as present from check number {@code n} (1-based) on. */
    public synchronized void cancelFromCheck(int n) {
        cancelAfterChecks = count -> count >= n;
    }

    /**
     * Runs inside a status write after its condition held and before it lands, as an S3 server
     * whose conditional write is not atomic (s3proxy) lets other requests in there.
     */
    public synchronized void betweenCheckAndWrite(Runnable hook) {
        betweenCheckAndWrite = hook;
    }

    /** Removes every object of the job, as the gateway's DELETE does. */
    public synchronized void deleteAllOf(String jobId) {
        objects.keySet().removeIf(k -> k.startsWith(JobKeys.prefix(jobId)));
        etags.keySet().removeIf(k -> k.startsWith(JobKeys.prefix(jobId)));
    }

    @Override
    public synchronized void deleteJob(String jobId) {
        deleteAllOf(jobId);
        log.add("delete job " + jobId);
    }

    /** Runs before every read of the cancel marker (on the job's thread). */
    public synchronized void onCancelCheck(Runnable hook) {
        onCancelCheck = hook;
    }

    public synchronized int cancelChecks() {
        return cancelChecks;
    }

    @Override
    public Optional<byte[]> request(String jobId) {
        maybeFail("request");
        return object(JobKeys.request(jobId));
    }

    @Override
    public Optional<byte[]> input(String jobId) {
        maybeFail("input");
        return object(JobKeys.input(jobId));
    }

    @Override
    public synchronized Optional<Versioned<JobStatus>> status(String jobId) {
        maybeFail("status");
        String key = JobKeys.status(jobId);
        byte[] bytes = objects.get(key);
        return bytes == null
                ? Optional.empty()
                : Optional.of(new Versioned<>(ContractJson.readStatus(bytes), etags.get(key)));
    }

    @Override
    public boolean cancelRequested(String jobId) {
        Runnable hook;
        synchronized (this) {
            hook = onCancelCheck;
        }
        hook.run();
        synchronized (this) {
            maybeFail("cancelRequested");
            cancelChecks++;
            return objects.containsKey(JobKeys.cancel(jobId)) || cancelAfterChecks.test(cancelChecks);
        }
    }

    @Override
    public synchronized int storedRounds(String jobId, String format) {
        maybeFail("storedRounds");
        int done = 0;
        while (objects.containsKey(JobKeys.roundImage(jobId, done, format))
                && objects.containsKey(JobKeys.roundCheckpoint(jobId, done))) {
            done++;
        }
        return done;
    }

    @Override
    public Optional<Image> checkpoint(String jobId, int round, long maxValues) {
        maybeFail("checkpoint");
        return object(JobKeys.roundCheckpoint(jobId, round)).map(bytes -> {
            try {
                return FloatImageFile.read(new ByteArrayInputStream(bytes), "checkpoint of round " + round, maxValues);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public Optional<byte[]> roundImage(String jobId, int round, String format) {
        maybeFail("roundImage");
        return object(JobKeys.roundImage(jobId, round, format));
    }

    @Override
    public synchronized void putVideo(String jobId, String format, Path file) {
        maybeFail("putVideo");
        String key = JobKeys.video(jobId, format);
        try {
            put(key, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.add("put " + key.substring(key.lastIndexOf('/') + 1));
    }

    @Override
    public synchronized void putRound(String jobId, int round, String format, Path image, Path checkpoint) {
        maybeFail("putRound");
        String imageKey = JobKeys.roundImage(jobId, round, format);
        String checkpointKey = JobKeys.roundCheckpoint(jobId, round);
        try {
            put(imageKey, Files.readAllBytes(image));
            log.add("put " + imageKey.substring(imageKey.lastIndexOf('/') + 1));
            put(checkpointKey, Files.readAllBytes(checkpoint));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.add("put " + checkpointKey.substring(checkpointKey.lastIndexOf('/') + 1));
    }

    @Override
    public synchronized String putStatus(JobStatus status, String expectedEtag) {
        maybeFail("putStatus");
        String key = JobKeys.status(status.jobId());
        String current = etags.get(key);
        boolean ok = expectedEtag == null ? current == null : expectedEtag.equals(current);
        if (!ok) {
            throw new PreconditionFailedException(key);
        }
        betweenCheckAndWrite.run();
        put(key, ContractJson.write(status));
        log.add("put status " + status.state().wireName() + " roundsDone=" + status.roundsDone());
        return etags.get(key);
    }

    /** Rounds ever written, image keys only (for "which rounds did this worker compute"). */
    public synchronized List<Integer> roundsWritten() {
        List<Integer> rounds = new ArrayList<>();
        for (String entry : log) {
            if (entry.startsWith("put round-") && !entry.endsWith(".f32")) {
                OptionalInt round = JobKeys.roundOf(entry.substring(4));
                round.ifPresent(rounds::add);
            }
        }
        return rounds;
    }

    private void maybeFail(String operation) {
        Integer left = failures.get(operation);
        if (left != null && left > 0) {
            failures.put(operation, left - 1);
            throw new TransientException("injected failure of " + operation, null);
        }
    }
}
