package dev.nightmare.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.yaml.snakeyaml.Yaml;

/**
 * The images and the composed system for real, with Podman: stand-in bases made here
 * (docker/standins/build.sh), the services' Dockerfiles built on them with their base as a build
 * argument, each image checked (user 10001, health check, size, no build tools or test classes, JVM
 * memory within the compose limit), then docker/compose.yaml run with stand-in Kafka and S3 images:
 * a job through HTTP → Kafka → worker container → S3 → HTTP, the worker container killed mid-job
 * and replaced by its restart policy with the job resumed (same images as an uninterrupted run), and
 * down + up keeping every job, one that was running included.
 *
 * <p>Runs in {@code ./mvnw verify} wherever Podman can (about 2.5 minutes on 2 cores, cold or warm);
 * skips with the reason where it cannot, or with {@code -Dnightmare.containers=false}.
 * docker/test-containers.sh runs it alone. Figures go to {@code target/containers/report.md}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainersIT {
    static final String JRE = "localhost/nightmare-standin/jre:25";
    static final String DEBIAN = "localhost/nightmare-standin/debian:bookworm";
    static final String PREFIX = "localhost/nightmare-test";
    static final String API_KEY = "container-test-key-0123456789";
    static final Duration LONG = Duration.ofMinutes(10);
    static final Duration HEALTHY = Duration.ofMinutes(4);
    static final Pattern ROUNDS_STORED = Pattern.compile(
            "job (\\w+): taken \\(delivery (\\d+), attempt \\w+\\); (\\d+) of (\\d+) rounds already stored");

    final Map<String, String> report = new LinkedHashMap<>();
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Yaml json = new Yaml();
    Compose compose;
    Path models;
    String gateway;
    boolean built;
    boolean running;
    long started = System.nanoTime();

    @BeforeAll
    void onlyWhereAskedAndPodmanRuns() throws IOException {
        Assumptions.assumeFalse(
                "false".equals(System.getProperty("nightmare.containers"))
                        || "0".equals(System.getenv("NIGHTMARE_CONTAINERS")),
                "the container test is turned off (-Dnightmare.containers=false)");
        Podman.unavailable().ifPresent(reason -> Assumptions.abort("Podman cannot run here: " + reason));
        for (String app : List.of("gateway-service", "model-store", "dream-worker")) {
            Assumptions.assumeTrue(
                    Files.exists(Repo.root().resolve(app + "/target/quarkus-app/quarkus-run.jar")),
                    app
                            + " is not packaged: ./mvnw -pl gateway-service,model-store,dream-worker -am package -DskipTests");
        }
        Path shared = Path.of(System.getProperty(
                "nightmare.shared.dir", Repo.root().resolve("../shared").toString()));
        models = Files.createTempDirectory("nightmare-container-models");
        for (String f : List.of("tiny.cfg", "tiny.weights")) {
            Files.copy(shared.resolve("models").resolve(f), models.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            models.resolve(f).toFile().setReadable(true, false);
        }
        models.toFile().setReadable(true, false);
        models.toFile().setExecutable(true, false);
        gateway = "127.0.0.1:" + freePort();
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("NIGHTMARE_KAFKA_IMAGE", "localhost/nightmare-standin/kafka:4.4.0");
        variables.put("NIGHTMARE_KAFKA_HEALTHCHECK", "kafka-ready");
        variables.put("NIGHTMARE_MINIO_IMAGE", "localhost/nightmare-standin/s3:4.1.0");
        variables.put("NIGHTMARE_MINIO_HEALTHCHECK", "s3-ready");
        variables.put("NIGHTMARE_IMAGE_PREFIX", PREFIX);
        variables.put("NIGHTMARE_GATEWAY_PORT", gateway);
        variables.put("NIGHTMARE_MODEL_STORE_PORT", "127.0.0.1:" + freePort());
        variables.put("NIGHTMARE_MODELS_DIR", models.toString());
        variables.put("NIGHTMARE_API_KEY", API_KEY);
        compose = new Compose(Repo.root().resolve("docker/compose.yaml"), variables, "nightmare-ctest");
        compose.down(true); // what a killed earlier run may have left
    }

    @AfterAll
    void downAndWriteTheReport() throws IOException {
        if (compose != null && !Boolean.getBoolean("nightmare.containers.keep")) {
            compose.down(true);
        }
        if (models != null) {
            try (Stream<Path> files = Files.list(models)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(models);
        }
        report.put("whole test", seconds(started));
        Path out = Repo.root().resolve("deployment-checks/target/containers/report.md");
        Files.createDirectories(out.getParent());
        StringBuilder text = new StringBuilder("# Container test figures\n\n| what | figure |\n|---|---|\n");
        report.forEach(
                (k, v) -> text.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        Files.writeString(out, text);
        System.out.print(text);
    }

    @Test
    @Order(1)
    void standInBasesAreMadeHere() {
        long t0 = System.nanoTime();
        List<String> command = new ArrayList<>(
                List.of(Repo.root().resolve("docker/standins/build.sh").toString()));
        if (Boolean.getBoolean("nightmare.containers.fresh")) {
            command.add("--fresh");
        }
        Podman.Result result = Podman.exec(LONG, command);
        assertThat(result.exit())
                .as("docker/standins/build.sh:\n" + result.all())
                .isZero();
        report.put("stand-in bases (build.sh" + (command.size() > 1 ? " --fresh" : "") + ")", seconds(t0));
        for (String image : List.of(
                DEBIAN, JRE, "localhost/nightmare-standin/kafka:4.4.0", "localhost/nightmare-standin/s3:4.1.0")) {
            report.put("size " + image, mb(imageSize(image)));
        }
    }

    @Test
    @Order(2)
    void serviceImagesBuildFromTheirDockerfilesOnTheStandIns() {
        for (Compose.Service s : compose.services().values()) {
            if (s.build() == null) {
                continue;
            }
            String dockerfile = "docker/" + Path.of(s.build().dockerfile()).getFileName();
            assertThat(Repo.read(dockerfile))
                    .as(dockerfile + " takes its base as a build argument")
                    .contains("ARG JRE_IMAGE=");
            List<String> args =
                    new ArrayList<>(List.of("build", "--format", "docker", "--build-arg", "JRE_IMAGE=" + JRE));
            if (Repo.read(dockerfile).contains("ARG CUDA_IMAGE=")) {
                // The stages that need no CUDA base: the JRE stage as such, then the whole file on the
                // plain Debian stand-in (no CUDA libraries: the worker falls back to the CPU backend).
                long t0 = System.nanoTime();
                Podman.ok(
                        LONG,
                        "build",
                        "--format",
                        "docker",
                        "--build-arg",
                        "JRE_IMAGE=" + JRE,
                        "--target",
                        "jre",
                        "-f",
                        dockerfile,
                        "-t",
                        PREFIX + "/dream-worker-cuda-jre-stage:test",
                        ".");
                report.put("build " + dockerfile + " --target jre", seconds(t0));
                args.addAll(List.of("--build-arg", "CUDA_IMAGE=" + DEBIAN));
            }
            long t0 = System.nanoTime();
            args.addAll(List.of("-f", dockerfile, "-t", s.image(), "."));
            Podman.ok(LONG, args);
            report.put("build " + dockerfile, seconds(t0));
            report.put(
                    "size " + s.image(),
                    mb(imageSize(s.image())) + " (" + mb(imageSize(s.image()) - imageSize(JRE))
                            + " over the JRE base)");
        }
        built = true;
    }

    @Test
    @Order(3)
    void imagesRunAsUser10001WithTheirHealthCheckAndNoBuildToolsOrTestClasses() throws IOException {
        Assumptions.assumeTrue(built, "the images were not built");
        for (Compose.Service s : buildable()) {
            assertThat(inspect(s.image(), "{{.Config.User}}"))
                    .as(s.image() + " user")
                    .isEqualTo("10001");
            String module = Path.of(s.build().dockerfile())
                    .getFileName()
                    .toString()
                    .replace(".Dockerfile", "")
                    .replace("-cuda", "");
            assertThat(inspect(s.image(), "{{json .Config.Healthcheck.Test}}"))
                    .as(s.image() + " health check")
                    .isEqualTo("[\"CMD\",\"healthcheck\",\"" + Repo.httpPort(module) + "\",\"/q/health/live\"]");
            assertThat(Podman.ok(Duration.ofMinutes(2), "run", "--rm", "--entrypoint", "id", s.image(), "-u")
                            .strip())
                    .isEqualTo("10001");
            String mount = Podman.ok(Duration.ofMinutes(1), "image", "mount", s.image())
                    .strip();
            try {
                Path fs = Path.of(mount);
                for (String tool : List.of("javac", "jar", "jlink", "jshell", "mvn", "gcc", "cc", "make", "git")) {
                    for (String dir : List.of("usr/bin", "usr/local/bin", "opt/java/openjdk/bin", "bin")) {
                        assertThat(fs.resolve(dir).resolve(tool))
                                .as(s.image() + ": build tool " + dir + "/" + tool)
                                .doesNotExist();
                    }
                }
                List<String> testLibraries = new ArrayList<>();
                try (Stream<Path> libs = Files.walk(fs.resolve("app"))) {
                    for (Path p : libs.filter(Files::isRegularFile).toList()) {
                        String name = p.getFileName().toString();
                        if (name.matches(
                                        "(?i).*(junit|assertj|mockito|rest-assured|quarkus-junit|hamcrest|-tests?)\\.?.*\\.jar")
                                || name.endsWith(".java")) {
                            testLibraries.add(name);
                        }
                        if (name.endsWith(".jar") && p.toString().contains("/app/app/")) {
                            try (ZipFile jar = new ZipFile(p.toFile())) {
                                jar.stream()
                                        .map(e -> e.getName())
                                        .filter(e -> e.matches(".*(Test|IT|Tests)(\\$.*)?\\.class"))
                                        .forEach(e -> testLibraries.add(name + "!" + e));
                            }
                        }
                    }
                }
                assertThat(testLibraries)
                        .as(s.image() + ": test classes or test libraries")
                        .isEmpty();
            } finally {
                Podman.run(Duration.ofMinutes(1), "image", "unmount", s.image());
            }
        }
    }

    @Test
    @Order(4)
    void eachJvmFitsTheMemoryLimitComposeSets() {
        Assumptions.assumeTrue(built, "the images were not built");
        for (Compose.Service s : buildable()) {
            long limit = MemoryBounds.bytes(s.memLimit());
            String flags = Podman.ok(
                    Duration.ofMinutes(2),
                    "run",
                    "--rm",
                    "--memory",
                    s.memLimit(),
                    "--entrypoint",
                    "sh",
                    s.image(),
                    "-c",
                    "exec java $JAVA_OPTS -XX:+PrintFlagsFinal -version");
            long heap = flag(flags, "MaxHeapSize");
            long direct = flag(flags, "MaxDirectMemorySize");
            long metaspace = flag(flags, "MaxMetaspaceSize");
            long code = flag(flags, "ReservedCodeCacheSize");
            MemoryBounds.Budget budget = MemoryBounds.budget(s.name());
            assertThat(heap).as(s.name() + " heap").isEqualTo(budget.heap());
            assertThat(heap + direct + metaspace + budget.nativeBytes())
                    .as(s.name() + ": heap + direct + metaspace + native budget within mem_limit " + s.memLimit())
                    .isLessThanOrEqualTo(limit);
            report.put(
                    "JVM in " + s.name() + " (mem_limit " + s.memLimit() + ")",
                    "heap " + mb(heap) + ", direct " + mb(direct)
                            + ", metaspace " + mb(metaspace) + ", code cache " + mb(code)
                            + (budget.nativeBytes() > 0 ? ", native budget " + mb(budget.nativeBytes()) : "")
                            + (flags.contains("UseSerialGC                              = true")
                                    ? ", SerialGC"
                                    : ", G1"));
        }
    }

    @Test
    @Order(5)
    void aJobGoesThroughHttpKafkaTheWorkerContainerAndS3() throws Exception {
        Assumptions.assumeTrue(built, "the images were not built");
        long t0 = System.nanoTime();
        compose.up(compose.defaultServices(), HEALTHY);
        for (String service : compose.defaultServices()) {
            compose.awaitHealthy(service, HEALTHY);
        }
        awaitReady();
        running = true;
        report.put("compose up until every health check passes (first start)", seconds(t0));

        long t1 = System.nanoTime();
        String id = submit("{\"model\":\"tiny\",\"layer\":12,\"rounds\":3,\"iters\":5,\"seed\":7}");
        Map<String, Object> done = awaitFinal(id, Duration.ofMinutes(4));
        assertThat(done.get("state")).as(String.valueOf(done)).isEqualTo("succeeded");
        report.put("job of 3 rounds × 5 iterations (tiny, 256²), submit to succeeded", seconds(t1));
        for (int round = 0; round < 3; round++) {
            byte[] image = round(id, round);
            assertThat(image).as("round " + round + " is a JPEG").startsWith((byte) 0xFF, (byte) 0xD8);
        }
        for (String service : compose.defaultServices()) {
            Podman.ok(Duration.ofMinutes(1), "healthcheck", "run", compose.container(service));
        }
        report.put("memory in use after the job", memoryInUse());
        assertThat(compose.logs("dream-worker")).contains("job " + id);
    }

    @Test
    @Order(6)
    void aWorkerContainerKilledMidJobIsReplacedAndTheJobResumes() throws Exception {
        Assumptions.assumeTrue(running, "the system is not running");
        String options = "{\"model\":\"tiny\",\"layer\":12,\"rounds\":8,\"iters\":10,\"seed\":11}";
        String id = submit(options);
        awaitRoundsDone(id, 1, Duration.ofMinutes(4));
        String restartsBefore = restarts("dream-worker");
        long pid = Long.parseLong(Podman.ok(
                        Duration.ofMinutes(1),
                        "inspect",
                        "--format",
                        "{{.State.Pid}}",
                        compose.container("dream-worker"))
                .strip());
        int storedAtKill = roundsDone(id);
        long t0 = System.nanoTime();
        // SIGKILL from outside, as the kernel's OOM killer or a crash ends it: not `podman kill`,
        // which Podman (like Docker) treats as the operator stopping it.
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        awaitTrue(
                "the worker container restarted",
                Duration.ofMinutes(2),
                () -> !restarts("dream-worker").equals(restartsBefore)
                        && compose.state("dream-worker").equals("running"));
        compose.awaitHealthy("dream-worker", HEALTHY);
        report.put("worker SIGKILLed → replaced and healthy", seconds(t0));
        Map<String, Object> done = awaitFinal(id, Duration.ofMinutes(6));
        assertThat(done.get("state")).as(String.valueOf(done)).isEqualTo("succeeded");
        report.put("worker SIGKILLed mid-job (" + storedAtKill + " of 8 rounds stored) → job succeeded", seconds(t0));
        // The container's log holds both runs: the last take-over of the job is the replacement's.
        Matcher taken = ROUNDS_STORED.matcher(compose.logs("dream-worker"));
        int resumedFrom = -1;
        int delivery = 0;
        while (taken.find()) {
            if (taken.group(1).equals(id)) {
                delivery = Integer.parseInt(taken.group(2));
                resumedFrom = Integer.parseInt(taken.group(3));
            }
        }
        assertThat(delivery).as("the job was redelivered to the replacement").isGreaterThanOrEqualTo(2);
        assertThat(resumedFrom)
                .as("the replacement took the job over with the rounds stored before the kill")
                .isGreaterThanOrEqualTo(storedAtKill)
                .isLessThan(8);
        report.put("resumed from round", resumedFrom + " of 8");

        // The same request again, uninterrupted: every round's image is the same bytes.
        String again = submit(options);
        assertThat(awaitFinal(again, Duration.ofMinutes(4)).get("state")).isEqualTo("succeeded");
        for (int round = 0; round < 8; round++) {
            assertThat(round(id, round))
                    .as("round " + round + " of the resumed job")
                    .isEqualTo(round(again, round));
        }
    }

    @Test
    @Order(7)
    void downAndUpKeepsTheJobsAndFinishesTheOneThatWasRunning() throws Exception {
        Assumptions.assumeTrue(running, "the system is not running");
        List<String> before = jobIds();
        assertThat(before).isNotEmpty();
        String id = submit("{\"model\":\"tiny\",\"layer\":12,\"rounds\":8,\"iters\":10,\"seed\":13}");
        awaitRoundsDone(id, 1, Duration.ofMinutes(4));
        long t0 = System.nanoTime();
        compose.down(false);
        report.put("compose down (stop with grace, remove containers)", seconds(t0));
        long t1 = System.nanoTime();
        compose.up(compose.defaultServices(), HEALTHY);
        for (String service : compose.defaultServices()) {
            compose.awaitHealthy(service, HEALTHY);
        }
        awaitReady();
        report.put("compose up again until healthy", seconds(t1));
        assertThat(awaitFinal(id, Duration.ofMinutes(6)).get("state"))
                .as("the job running at down")
                .isEqualTo("succeeded");
        report.put("down + up with a job running → it succeeded", seconds(t0));
        assertThat(jobIds()).containsAll(before).contains(id);
        for (String job : before) {
            assertThat(job(job).get("state")).as(job).isEqualTo("succeeded");
            assertThat(round(job, 0)).startsWith((byte) 0xFF, (byte) 0xD8);
        }
    }

    @Test
    @Order(8)
    void theCudaWorkersImageRunsWhereNoGpuIsAndFallsBackToTheCpu() {
        Assumptions.assumeTrue(running, "the system is not running");
        // Its final stage on the plain Debian stand-in (no CUDA libraries): the JRE copied from the
        // first stage runs the worker, which picks the CPU backend and serves, as on a GPU node
        // whose GPU is not visible.
        Compose.Service gpu = compose.service("dream-worker-gpu").withoutDeviceReservations();
        long t0 = System.nanoTime();
        Podman.ok(Duration.ofMinutes(2), compose.runCommand(gpu));
        compose.awaitHealthy("dream-worker-gpu", HEALTHY);
        report.put("CUDA worker image (on the Debian stand-in) healthy", seconds(t0));
        awaitTrue(
                "the CUDA worker image dreams on the CPU backend",
                HEALTHY,
                () -> compose.logs("dream-worker-gpu").contains("dreaming on backend onednn"));
        report.put("CUDA worker image (on the Debian stand-in) serving on the CPU backend", seconds(t0));
        assertThat(Podman.ok(Duration.ofMinutes(1), "exec", compose.container("dream-worker-gpu"), "id", "-u")
                        .strip())
                .isEqualTo("10001");
    }

    // --- the gateway's API ---

    void awaitReady() {
        awaitTrue("the gateway answers", HEALTHY, () -> {
            try {
                return send(request("/v1/nightmares?limit=1").GET()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    String submit(String options) throws IOException {
        byte[] png = Files.readAllBytes(Path.of(
                System.getProperty(
                        "nightmare.shared.dir", Repo.root().resolve("../shared").toString()),
                "images/dog_256.png"));
        String boundary = "----ctest" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "image\"; filename=\"dog.png", "image/png", png);
        part(body, boundary, "options", "application/json", options.getBytes(StandardCharsets.UTF_8));
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> response = send(request("/v1/nightmares")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        assertThat(response.statusCode())
                .as(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo(202);
        return (String) parse(response).get("id");
    }

    Map<String, Object> job(String id) throws IOException {
        HttpResponse<byte[]> response = send(request("/v1/nightmares/" + id).GET());
        assertThat(response.statusCode())
                .as(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        return parse(response);
    }

    @SuppressWarnings("unchecked")
    int roundsDone(String id) throws IOException {
        Map<String, Object> progress = (Map<String, Object>) job(id).get("progress");
        return progress == null || progress.get("roundsDone") == null ? 0 : (Integer) progress.get("roundsDone");
    }

    void awaitRoundsDone(String id, int rounds, Duration timeout) {
        awaitTrue("job " + id + " has " + rounds + " round(s) stored", timeout, () -> {
            try {
                return roundsDone(id) >= rounds && "running".equals(job(id).get("state"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    Map<String, Object> awaitFinal(String id, Duration timeout) throws IOException {
        long until = System.nanoTime() + timeout.toNanos();
        Map<String, Object> last = Map.of();
        while (System.nanoTime() - until < 0) {
            try {
                last = job(id);
                if (List.of("succeeded", "failed", "canceled").contains(String.valueOf(last.get("state")))) {
                    return last;
                }
            } catch (IOException | AssertionError e) {
                last = Map.of("error", e.toString());
            }
            Compose.sleep(Duration.ofMillis(500));
        }
        throw new AssertionError(
                "job " + id + " not final within " + timeout + ": " + last + "\n" + compose.logs("dream-worker", 40));
    }

    @SuppressWarnings("unchecked")
    List<String> jobIds() throws IOException {
        HttpResponse<byte[]> response = send(request("/v1/nightmares?limit=100").GET());
        assertThat(response.statusCode()).isEqualTo(200);
        List<Map<String, Object>> jobs =
                (List<Map<String, Object>>) parse(response).get("items");
        return jobs.stream().map(j -> (String) j.get("id")).toList();
    }

    byte[] round(String id, int round) throws IOException {
        HttpResponse<byte[]> response =
                send(request("/v1/nightmares/" + id + "/rounds/" + round).GET());
        assertThat(response.statusCode()).as("round " + round + " of " + id).isEqualTo(200);
        return response.body();
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://" + gateway + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + API_KEY);
    }

    HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> parse(HttpResponse<byte[]> response) {
        return (Map<String, Object>) json.load(new String(response.body(), StandardCharsets.UTF_8));
    }

    static void part(ByteArrayOutputStream body, String boundary, String name, String type, byte[] bytes)
            throws IOException {
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: "
                        + type + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(bytes);
        body.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    // --- Podman look-ups ---

    List<Compose.Service> buildable() {
        return compose.services().values().stream()
                .filter(s -> s.build() != null)
                .toList();
    }

    static String inspect(String image, String format) {
        return Podman.ok(Duration.ofMinutes(1), "image", "inspect", "--format", format, image)
                .strip();
    }

    static long imageSize(String image) {
        return Long.parseLong(Podman.ok(Duration.ofMinutes(1), "image", "inspect", "--format", "{{.Size}}", image)
                .strip());
    }

    String restarts(String service) {
        return Podman.run(Duration.ofMinutes(1), "inspect", "--format", "{{.RestartCount}}", compose.container(service))
                .output()
                .strip();
    }

    String memoryInUse() {
        List<String> parts = new ArrayList<>();
        for (String service : compose.defaultServices()) {
            String usage = Podman.run(
                            Duration.ofMinutes(1),
                            "stats",
                            "--no-stream",
                            "--no-reset",
                            "--format",
                            "{{.MemUsage}}",
                            compose.container(service))
                    .output()
                    .strip();
            parts.add(service + " " + usage);
        }
        return String.join("; ", parts);
    }

    static long flag(String printFlagsFinal, String name) {
        Matcher m = Pattern.compile("\\s" + name + "\\s+=\\s+(\\d+)").matcher(printFlagsFinal);
        assertThat(m.find()).as(name + " in\n" + printFlagsFinal).isTrue();
        return Long.parseLong(m.group(1));
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
    }

    static String seconds(long startNanos) {
        return String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - startNanos) / 1e9);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(String what, Duration timeout, Check check) {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - until < 0) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception e) {
                // not yet
            }
            Compose.sleep(Duration.ofMillis(500));
        }
        throw new AssertionError("not within " + timeout + ": " + what);
    }
}
