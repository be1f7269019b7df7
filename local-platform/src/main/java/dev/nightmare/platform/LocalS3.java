package dev.nightmare.platform;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real S3 server ({@code org.gaul:s3proxy} 4.1.0 with its filesystem backend) run as a child
 * process on 127.0.0.1, checking AWS v2/v4 signatures against one access key. The MinIO SDK and the
 * AWS SDKs talk to it as to MinIO. Objects live under {@code <dir>/data/<bucket>/}; {@link #stop()} /
 * {@link #restart()} keep them and the port.
 *
 * <pre>{@code
 * try (LocalS3 s3 = LocalS3.start(Path.of("target/s3"), 0, "nightmare", "nightmare-secret")) {
 *     MinioClient minio = MinioClient.builder().endpoint(s3.endpoint())
 *             .credentials(s3.accessKey(), s3.secretKey()).region(s3.region()).build();
 * }
 * }</pre>
 */
public final class LocalS3 extends ServerProcess {
    /** The port {@code scripts/platform.sh} uses. */
    public static final int DEFAULT_PORT = 9000;

    public static final String DEFAULT_ACCESS_KEY = "nightmare";
    public static final String DEFAULT_SECRET_KEY = "nightmare-secret";
    /** s3proxy accepts any region in signatures; the services are configured with this one. */
    public static final String REGION = "us-east-1";

    private final String accessKey;
    private final String secretKey;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private LocalS3(Path dir, int port, String accessKey, String secretKey, boolean detached) {
        super("s3", dir, port, detached);
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Starts on a free port with the default credentials. */
    public static LocalS3 start(Path dir) throws IOException {
        return start(dir, 0, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
    }

    /**
     * Starts with objects under {@code dir/data} on {@code port} (a free one when 0), accepting only
     * requests signed with {@code accessKey}/{@code secretKey}. Stopped by a JVM shutdown hook if not
     * closed.
     */
    public static LocalS3 start(Path dir, int port, String accessKey, String secretKey) throws IOException {
        LocalS3 s3 = new LocalS3(dir, port == 0 ? Ports.free() : port, accessKey, secretKey, false);
        s3.launch();
        return s3;
    }

    /** Like {@link #start(Path, int, String, String)} but the server outlives this JVM. */
    static LocalS3 startDetached(Path dir, int port, String accessKey, String secretKey) throws IOException {
        LocalS3 s3 = new LocalS3(dir, port, accessKey, secretKey, true);
        s3.launch();
        return s3;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String endpoint() {
        return "http://" + LOOPBACK + ":" + port();
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public String region() {
        return REGION;
    }

    /**
     * Creates an empty bucket without an S3 client: with the filesystem backend a bucket is a
     * directory under {@code data/}. Works whether or not the server is running.
     */
    public void createBucket(String bucket) throws IOException {
        Files.createDirectories(dataDir().resolve(bucket));
    }

    private Path dataDir() {
        return dir().resolve("data");
    }

    @Override
    String address() {
        return endpoint();
    }

    @Override
    Duration startTimeout() {
        return Duration.ofSeconds(60);
    }

    @Override
    void prepare() throws IOException {
        Files.createDirectories(dataDir());
        writeAtomically(
                dir().resolve("s3proxy.properties"),
                String.join(
                        "\n",
                        "# Written by dev.nightmare.platform.LocalS3 on every start.",
                        "s3proxy.endpoint=" + endpoint(),
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + accessKey,
                        "s3proxy.credential=" + secretKey,
                        "jclouds.provider=filesystem",
                        "jclouds.identity=" + accessKey,
                        "jclouds.credential=" + secretKey,
                        "jclouds.filesystem.basedir=" + dataDir()));
    }

    @Override
    List<String> command() {
        // Full JIT (unlike the broker): the model-store benchmark compares against this server's speed.
        return List.of(
                PlatformPaths.java().toString(),
                "-XX:+UseSerialGC",
                "-Xmx512m",
                "-Djava.awt.headless=true",
                "-jar",
                PlatformPaths.s3proxyJar().toString(),
                "--properties",
                dir().resolve("s3proxy.properties").toString());
    }

    /** Ready once it answers HTTP at all: an anonymous request gets 403 from a signature-checking server. */
    @Override
    boolean ready(String newLog) {
        if (!Ports.accepts(port())) {
            return false;
        }
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(URI.create(endpoint() + "/"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() > 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
