package dev.nightmare.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Apache Kafka 4.4.0 broker (KRaft: broker and controller in one process) run as
 * a child process on 127.0.0.1, with its data, config and log under one directory. {@link #start}
 * returns once the broker is unfenced and can create topics; {@link #stop()} / {@link #restart()}
 * keep the data and the port, so a test can take the broker away and bring it back.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.start(Path.of("target/kafka"), 0)) {
 *     producerProps.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 *
 * <p>Share groups are on by default in 4.4 ({@code share.version=2} on a freshly formatted
 * cluster). Internal topics have one partition and replication factor 1 so the first consumer group
 * is quick.
 */
public final class LocalKafka extends ServerProcess {
    /** The port {@code scripts/platform.sh} uses. */
    public static final int DEFAULT_PORT = 9092;

    /** What {@code kafka.server.KafkaRaftServer} logs once the broker is unfenced and serving. */
    private static final String STARTED = "Kafka Server started";

    private final int controllerPort;
    /** Broker settings added to (or replacing) the defaults below, e.g. a shorter minimum share lock. */
    private final Map<String, String> overrides;

    private LocalKafka(Path dir, int port, int controllerPort, boolean detached, Map<String, String> overrides) {
        super("kafka", dir, port, detached);
        this.controllerPort = controllerPort;
        this.overrides = Map.copyOf(overrides);
    }

    /** Starts a broker on a free port with its data in {@code dir}. */
    public static LocalKafka start(Path dir) throws IOException {
        return start(dir, 0);
    }

    /**
     * Starts a broker with its data in {@code dir} (formatted on first use, reused after that) on
     * {@code port}, or on a free port when {@code port} is 0. Stopped by a JVM shutdown hook if not
     * closed.
     */
    public static LocalKafka start(Path dir, int port) throws IOException {
        return open(dir, port, false, Map.of());
    }

    /**
     * Like {@link #start(Path, int)} with extra broker settings (kept across {@link #restart()}),
     * e.g. {@code group.share.min.record.lock.duration.ms} so fault tests can use second-long locks.
     */
    public static LocalKafka start(Path dir, int port, Map<String, String> brokerSettings) throws IOException {
        return open(dir, port, false, brokerSettings);
    }

    /** Like {@link #start(Path, int)} but the broker outlives this JVM (for {@code scripts/platform.sh}). */
    static LocalKafka startDetached(Path dir, int port) throws IOException {
        return open(dir, port, true, Map.of());
    }

    private static LocalKafka open(Path dir, int port, boolean detached, Map<String, String> overrides)
            throws IOException {
        Path config = dir.resolve("server.properties");
        int controllerPort = storedControllerPort(config);
        if (controllerPort == 0 || !Ports.isFree(controllerPort)) {
            controllerPort = Ports.free();
        }
        LocalKafka kafka = new LocalKafka(dir, port == 0 ? Ports.free() : port, controllerPort, detached, overrides);
        kafka.launch();
        return kafka;
    }

    /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + port();
    }

    @Override
    String address() {
        return bootstrapServers();
    }

    @Override
    Duration startTimeout() {
        return Duration.ofSeconds(90);
    }

    @Override
    void prepare() throws IOException {
        Files.writeString(dir().resolve("log4j2.properties"), LOG4J, StandardCharsets.UTF_8);
        writeAtomically(dir().resolve("server.properties"), serverProperties());
        if (!Files.exists(dir().resolve("data").resolve("meta.properties"))) {
            format();
        }
    }

    @Override
    List<String> command() {
        List<String> command = new ArrayList<>(jvm());
        command.add("kafka.Kafka");
        command.add(dir().resolve("server.properties").toString());
        return command;
    }

    @Override
    boolean ready(String newLog) {
        return newLog.contains(STARTED) && Ports.accepts(port());
    }

    /** The JVM settings PLATFORM.md measured: ~3.4 s to accept connections, ~290 MB. */
    private List<String> jvm() {
        return new ArrayList<>(List.of(
                PlatformPaths.java().toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx512m",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + dir().resolve("log4j2.properties"),
                "-cp",
                PlatformPaths.kafkaLib() + "/*"));
    }

    private String serverProperties() {
        String listeners =
                "PLAINTEXT://" + LOOPBACK + ":" + port() + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort;
        List<String> lines = new ArrayList<>(List.of(
                "# Written by dev.nightmare.platform.LocalKafka on every start.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + LOOPBACK + ":" + controllerPort,
                "listeners=" + listeners,
                "advertised.listeners=PLAINTEXT://" + LOOPBACK + ":" + port(),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir().resolve("data"),
                "num.partitions=1",
                "num.network.threads=2",
                "num.io.threads=2",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "share.coordinator.state.topic.num.partitions=1",
                "group.initial.rebalance.delay.ms=0"));
        overrides.forEach((key, value) -> {
            lines.removeIf(line -> line.startsWith(key + "="));
            lines.add(key + "=" + value);
        });
        return String.join("\n", lines);
    }

    /** {@code kafka.tools.StorageTool format} with a cluster id derived from the directory. */
    private void format() throws IOException {
        List<String> command = jvm();
        command.addAll(List.of(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                clusterId(dir()),
                "-c",
                dir().resolve("server.properties").toString()));
        Process format = new ProcessBuilder(command)
                .directory(dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .start();
        try {
            if (!format.waitFor(120, TimeUnit.SECONDS)) {
                format.destroyForcibly();
                throw new IOException("kafka storage format did not finish in 120 s; see " + logFile());
            }
        } catch (InterruptedException e) {
            format.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while formatting kafka storage", e);
        }
        if (format.exitValue() != 0) {
            throw new IOException(
                    "kafka storage format failed with status " + format.exitValue() + "; see " + logFile());
        }
    }

    /**
     * Kafka's 22-character base64url cluster id, derived from the path so a directory keeps one id.
     * Never starting with '-' (as Kafka's own {@code Uuid.randomUuid} ensures): the storage tool
     * would read it as an option, and one test directory in 64 failed to start its broker.
     */
    static String clusterId(Path dir) {
        for (int attempt = 0; ; attempt++) {
            String seed = attempt == 0 ? dir.toString() : dir + "#" + attempt;
            UUID uuid = UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
            byte[] bytes = new byte[16];
            for (int i = 0; i < 8; i++) {
                bytes[i] = (byte) (uuid.getMostSignificantBits() >>> (56 - 8 * i));
                bytes[8 + i] = (byte) (uuid.getLeastSignificantBits() >>> (56 - 8 * i));
            }
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    /** The controller port an earlier start wrote, so a restart finds its quorum where it left it. */
    private static int storedControllerPort(Path config) {
        if (!Files.exists(config)) {
            return 0;
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(config)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String voters = properties.getProperty("controller.quorum.voters", "");
        int colon = voters.lastIndexOf(':');
        return colon < 0 ? 0 : Integer.parseInt(voters.substring(colon + 1).strip());
    }

    private static final String LOG4J = """
            # Written by dev.nightmare.platform.LocalKafka: everything to stdout, which goes to kafka.log.
            status = warn
            appender.out.type = Console
            appender.out.name = OUT
            appender.out.layout.type = PatternLayout
            appender.out.layout.pattern = [%d] %p %m (%c)%n
            rootLogger.level = INFO
            rootLogger.appenderRef.out.ref = OUT
            logger.request.name = kafka.request.logger
            logger.request.level = WARN
            """;
}
