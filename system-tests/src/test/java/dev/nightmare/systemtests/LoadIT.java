package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobStatus;
import dev.nightmare.platform.testing.AppProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Load on the real system ({@link SharedSystem}: one gateway, two CPU workers): a burst of
 * submissions (tiny model, one iteration, 64×48) that must each be accepted (202) or refused with
 * 429 by the configured limits, every accepted job ending {@code succeeded} exactly once; then a
 * soak at a modest rate during which each service's memory (heap after a full GC, RSS) must stay
 * flat and nothing may fail.
 *
 * <p>CI runs the short versions (40 submissions, a 45 s soak). The figures in docs/reliability.md
 * come from {@code -Dnightmare.reliability.full=true} (500 submissions, a 30-minute soak), or set
 * {@code -Dnightmare.load.submissions=N}, {@code -Dnightmare.load.soak=PT10M}, {@code
 * -Dnightmare.load.soak-rate=0.5} (submissions a second). Results also go to {@code
 * target/reliability/}.
 */
@ExtendWith(SharedSystem.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadIT {
    private static final boolean FULL = Boolean.getBoolean("nightmare.reliability.full");
    private static final int SUBMISSIONS = Integer.getInteger("nightmare.load.submissions", FULL ? 500 : 40);
    private static final Duration SOAK =
            Duration.parse(System.getProperty("nightmare.load.soak", FULL ? "PT30M" : "PT45S"));
    private static final double SOAK_RATE = Double.parseDouble(System.getProperty("nightmare.load.soak-rate", "0.5"));
    private static final Duration SAMPLE_EVERY = FULL ? Duration.ofMinutes(1) : SOAK;
    private static final String OPTIONS =
            "{\"model\":\"tiny\",\"layer\":4,\"rounds\":1,\"iters\":1,\"octaves\":1,\"format\":\"jpg\"}";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TAKEN = Pattern.compile("job ([0-9a-f]{32}): taken \\(delivery");

    private static TestSystem system;
    private static GatewayClient api;
    private static byte[] png;
    private static Path reports;

    @BeforeAll
    static void clients() throws IOException {
        system = SharedSystem.get();
        api = system.api("load");
        png = HostileImages.noisePng(64, 48, 17);
        reports = Files.createDirectories(Path.of("target", "reliability"));
    }

    @Test
    @Order(1)
    void burstIsAcceptedOrRefusedWith429AndEveryAcceptedJobSucceedsExactlyOnce() throws Exception {
        List<Long> acceptMillis = new CopyOnWriteArrayList<>();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> accepted = new CopyOnWriteArrayList<>();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        Instant began = Instant.now();
        long burstStart = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < SUBMISSIONS; i++) {
                clients.submit(() -> {
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> response = api.trySubmit(png, OPTIONS);
                        long millis = Duration.ofNanos(System.nanoTime() - sent).toMillis();
                        statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger())
                                .incrementAndGet();
                        if (response.statusCode() == 202) {
                            acceptMillis.add(millis);
                            accepted.add(
                                    JSON.readTree(response.body()).get("id").asText());
                        } else if (response.statusCode() == 429) {
                            if (response.headers().firstValue("Retry-After").isEmpty()) {
                                unexpected.add("429 without Retry-After");
                            }
                        } else {
                            unexpected.add(response.statusCode() + " " + response.body());
                        }
                    } catch (Exception e) {
                        unexpected.add(e.toString());
                    }
                    return null;
                });
            }
        }
        double burstSeconds = (System.nanoTime() - burstStart) / 1e9;
        assertThat(unexpected).as("answers other than 202 and 429").isEmpty();
        assertThat(accepted).as("accepted submissions").isNotEmpty();

        // Every accepted job ends, exactly once.
        Map<String, JobEvent> finals = awaitFinalEvents(Set.copyOf(accepted), Duration.ofMinutes(FULL ? 20 : 4));
        double totalSeconds = Duration.between(began, Instant.now()).toMillis() / 1e3;
        Instant lastFinal = finals.values().stream()
                .map(JobEvent::time)
                .max(Instant::compareTo)
                .orElseThrow();
        List<JobEvent> events = system.allEvents();
        Map<String, Long> started = events.stream()
                .filter(e -> e.type() == EventType.STARTED && accepted.contains(e.jobId()))
                .collect(Collectors.groupingBy(JobEvent::jobId, Collectors.counting()));
        Map<String, Integer> taken = takenCounts();
        List<String> problems = new ArrayList<>();
        for (String id : accepted) {
            JobStatus status = system.status(id);
            if (!status.state().wireName().equals("succeeded") || status.roundsDone() != 1) {
                problems.add(id + " ended " + status.state().wireName() + " with " + status.roundsDone() + " rounds");
            }
            if (status.deliveryCount() != 1) {
                problems.add(id + " was delivered " + status.deliveryCount() + " times");
            }
            if (started.getOrDefault(id, 0L) != 1) {
                problems.add(id + " started " + started.getOrDefault(id, 0L) + " times");
            }
            if (taken.getOrDefault(id, 0) != 1) {
                problems.add(id + " taken " + taken.getOrDefault(id, 0) + " times in the workers' logs");
            }
        }
        assertThat(problems).as("jobs lost, failed or run twice").isEmpty();

        Collections.sort(acceptMillis);
        String line = String.format(
                Locale.ROOT,
                "| %s | %d | %d | %d | %d | %d | %d | %.1f | %.1f | %.1f | %.1f |",
                began,
                SUBMISSIONS,
                count(statuses, 202),
                count(statuses, 429),
                percentile(acceptMillis, 50),
                percentile(acceptMillis, 99),
                acceptMillis.getLast(),
                accepted.size() / burstSeconds,
                accepted.size() / (Duration.between(began, lastFinal).toMillis() / 1e3),
                Duration.between(began, lastFinal).toMillis() / 1e3,
                totalSeconds);
        String header = """
                | started | sent | 202 | 429 | accept p50 ms | accept p99 ms | max ms | accepted /s (burst) | jobs done /s | submit → last succeeded s | test s |
                |---|---|---|---|---|---|---|---|---|---|---|""";
        report(
                "load-burst.md",
                header + "\n" + line + "\n\nlimits: " + limits() + "; " + "no job lost, failed or run twice ("
                        + accepted.size() + " checked in status.json, events and both workers' logs)\n");
    }

    @Test
    @Order(2)
    void soakAtAModestRateKeepsMemoryFlatAndNothingFails() throws Exception {
        Map<String, Long> logOffsets = logOffsets();
        List<String> errors = new CopyOnWriteArrayList<>();
        List<String> jobs = new CopyOnWriteArrayList<>();
        AtomicInteger followed = new AtomicInteger();
        Map<String, List<long[]>> samples = new LinkedHashMap<>();
        long intervalNanos = (long) (1e9 / SOAK_RATE);
        Instant began = Instant.now();
        long start = System.nanoTime();
        long nextSample = start;
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long tick = 0; ; tick++) {
                long due = start + tick * intervalNanos;
                if (due - start > SOAK.toNanos()) {
                    break;
                }
                if (due - nextSample >= 0) {
                    sample(samples);
                    nextSample += SAMPLE_EVERY.toNanos();
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                clients.add(pool.submit(() -> {
                    try {
                        followOneJob(jobs, errors);
                        followed.incrementAndGet();
                    } catch (Exception | AssertionError e) {
                        errors.add(e.toString());
                    }
                }));
            }
            for (Future<?> client : clients) {
                client.get();
            }
        }
        sample(samples);
        double minutes = Duration.between(began, Instant.now()).toMillis() / 60e3;

        Map<String, List<String>> logErrors = errorLines(logOffsets);
        StringBuilder table = new StringBuilder("| service | samples | heap after GC first → last MB | max MB |"
                + " RSS first → half-time → last MB | max MB |\n|---|---|---|---|---|---|\n");
        // The RSS series shows whether native memory levels off (JIT code, arenas, pools) or climbs.
        StringBuilder series = new StringBuilder("\nRSS by sample, MB:\n\n");
        List<String> growth = new ArrayList<>();
        samples.forEach((service, points) -> {
            long heapFirst = points.getFirst()[0];
            long heapLast = points.getLast()[0];
            long heapMax = points.stream().mapToLong(p -> p[0]).max().orElseThrow();
            long rssFirst = points.getFirst()[1];
            long rssLast = points.getLast()[1];
            long rssMax = points.stream().mapToLong(p -> p[1]).max().orElseThrow();
            long rssHalf = points.get(points.size() / 2)[1];
            table.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.1f → %.1f | %.1f | %.0f → %.0f → %.0f | %.0f |%n",
                    service,
                    points.size(),
                    heapFirst / 1048576.0,
                    heapLast / 1048576.0,
                    heapMax / 1048576.0,
                    rssFirst / 1048576.0,
                    rssHalf / 1048576.0,
                    rssLast / 1048576.0,
                    rssMax / 1048576.0));
            series.append("- ")
                    .append(service)
                    .append(": ")
                    .append(points.stream().map(p -> Long.toString(p[1] >> 20)).collect(Collectors.joining(" ")))
                    .append('\n');
            // Flat: the heap that survives a full GC may not grow by more than a fifth (or 24 MB).
            if (heapLast - heapFirst > Math.max(24L << 20, heapFirst / 5)) {
                growth.add(service + " heap after GC grew " + ((heapLast - heapFirst) >> 20) + " MB");
            }
        });
        report(
                "load-soak.md",
                String.format(
                                Locale.ROOT,
                                "soak from %s: %.1f min at %.2f submissions/s, %d jobs followed (SSE to the end, round"
                                        + " downloaded), %d errors, ERROR lines in logs: %s%n%n",
                                began,
                                minutes,
                                SOAK_RATE,
                                followed.get(),
                                errors.size(),
                                logErrors.entrySet().stream()
                                        .map(e ->
                                                e.getKey() + " " + e.getValue().size())
                                        .collect(Collectors.joining(", ")))
                        + table
                        + series);
        assertThat(errors).as("failed submissions, streams or downloads").isEmpty();
        logErrors.forEach((service, lines) ->
                assertThat(lines).as("ERROR lines in %s's log", service).isEmpty());
        assertThat(growth).as("memory that kept growing").isEmpty();
        assertThat(followed.get()).isEqualTo(jobs.size());
    }

    /** Submits one job, follows its stream to the end, and downloads its round like a client. */
    private static void followOneJob(List<String> jobs, List<String> errors) throws Exception {
        HttpResponse<String> response = api.trySubmit(png, OPTIONS);
        if (response.statusCode() != 202) {
            errors.add("submit: " + response.statusCode() + " " + response.body());
            return;
        }
        String id = JSON.readTree(response.body()).get("id").asText();
        jobs.add(id);
        try (SseStream stream = api.events(id)) {
            List<SseStream.Event> events = stream.untilFinal(Duration.ofSeconds(120));
            SseStream.Event last = events.getLast();
            String state =
                    last.name().equals("state") ? last.data().path("state").asText() : last.name();
            if (!state.equals("succeeded")) {
                errors.add(id + " ended " + state);
                return;
            }
        }
        HttpResponse<byte[]> round = api.round(id, 0);
        if (round.statusCode() != 200 || round.body().length == 0) {
            errors.add(id + " round 0: " + round.statusCode());
        }
    }

    /** Heap after a full GC and RSS of every service, appended per service. */
    private static void sample(Map<String, List<long[]>> samples) throws Exception {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("gateway", system.gateway().pid());
        pids.put("model-store", system.modelStore().pid());
        system.workers().forEach((id, worker) -> pids.put(id, worker.pid()));
        pids.put("kafka", system.kafka().pid());
        pids.put("s3proxy", system.s3().pid());
        for (Map.Entry<String, Long> service : pids.entrySet()) {
            long heap = AppProcess.heapAfterGcBytes(service.getValue());
            long rss = AppProcess.rssBytes(service.getValue());
            samples.computeIfAbsent(service.getKey(), k -> new ArrayList<>()).add(new long[] {heap, rss});
        }
    }

    /** Final events of the given jobs, read from {@code nightmare-events} until all are in. */
    private static Map<String, JobEvent> awaitFinalEvents(Set<String> ids, Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        Map<String, JobEvent> finals = new HashMap<>();
        while (true) {
            for (JobEvent event : system.allEvents()) {
                if (event.type().isFinal() && ids.contains(event.jobId())) {
                    finals.put(event.jobId(), event);
                }
            }
            if (finals.size() == ids.size()) {
                return finals;
            }
            if (System.nanoTime() - until > 0) {
                throw new AssertionError((ids.size() - finals.size()) + " of " + ids.size()
                        + " accepted jobs did not end in " + timeout);
            }
            Thread.sleep(2000);
        }
    }

    /** How often each job appears as "taken" in both workers' logs. */
    private static Map<String, Integer> takenCounts() throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        for (AppProcess worker : system.workers().values()) {
            Matcher m = TAKEN.matcher(worker.log());
            while (m.find()) {
                counts.merge(m.group(1), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static Map<String, Long> logOffsets() throws IOException {
        Map<String, Long> offsets = new LinkedHashMap<>();
        offsets.put("gateway", (long) system.gateway().log().length());
        offsets.put("model-store", (long) system.modelStore().log().length());
        for (Map.Entry<String, AppProcess> worker : system.workers().entrySet()) {
            offsets.put(worker.getKey(), (long) worker.getValue().log().length());
        }
        return offsets;
    }

    /** ERROR lines each service logged since {@code offsets}. */
    private static Map<String, List<String>> errorLines(Map<String, Long> offsets) throws IOException {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        for (Map.Entry<String, Long> offset : offsets.entrySet()) {
            AppProcess service = switch (offset.getKey()) {
                case "gateway" -> system.gateway();
                case "model-store" -> system.modelStore();
                default -> system.worker(offset.getKey());
            };
            String log = service.log();
            errors.put(
                    offset.getKey(),
                    log.substring((int) Math.min(offset.getValue(), log.length()))
                            .lines()
                            .filter(l -> l.contains(" ERROR "))
                            .toList());
        }
        return errors;
    }

    private static String limits() {
        return "submissions-per-minute " + SharedSystem.limit("submissions-per-minute", "60000") + ", burst "
                + SharedSystem.limit("submission-burst", "1000") + ", concurrent jobs "
                + SharedSystem.limit("concurrent-jobs", "1000") + " per key";
    }

    private static int count(Map<Integer, AtomicInteger> statuses, int status) {
        AtomicInteger n = statuses.get(status);
        return n == null ? 0 : n.get();
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.clamp(index, 0, sorted.size() - 1));
    }

    private static void report(String file, String text) throws IOException {
        System.out.println(text);
        Files.writeString(reports.resolve(file), text);
    }
}
