package dev.nightmare.platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where the server runtimes live: the Kafka broker's jars ({@code nightmare.platform.kafka-lib}, a
 * directory) and the s3proxy jar ({@code nightmare.platform.s3proxy-jar}). A system property of that
 * name wins; otherwise the absolute paths the build wrote into {@code platform.properties} (resolved
 * by the {@code local-platform/servers} module) are used, so tests of any module that depends on
 * {@code local-platform} find them wherever the checkout is.
 */
public final class PlatformPaths {
    /** System property (and properties key) naming the directory of the broker's jars. */
    public static final String KAFKA_LIB = "nightmare.platform.kafka-lib";
    /** System property (and properties key) naming the s3proxy {@code jar-with-dependencies}. */
    public static final String S3PROXY_JAR = "nightmare.platform.s3proxy-jar";
    /** System property naming the {@code java} launcher for the children (default: this JVM's). */
    public static final String JAVA = "nightmare.platform.java";

    private PlatformPaths() {}

    public static Path kafkaLib() {
        Path dir = resolve(KAFKA_LIB);
        if (!Files.isRegularFile(dir.resolve("kafka_2.13-4.4.0.jar"))) {
            throw new IllegalStateException(dir + " holds no kafka_2.13-4.4.0.jar; build the runtimes with"
                    + " ./mvnw -pl local-platform -am install -DskipTests, or set -D" + KAFKA_LIB);
        }
        return dir;
    }

    public static Path s3proxyJar() {
        Path jar = resolve(S3PROXY_JAR);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist; build the runtimes with"
                    + " ./mvnw -pl local-platform -am install -DskipTests, or set -D" + S3PROXY_JAR);
        }
        return jar;
    }

    /** The {@code java} executable that runs the servers: {@code -Dnightmare.platform.java} or this JVM's. */
    public static Path java() {
        String configured = System.getProperty(JAVA);
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("java.home"), "bin", "java");
    }

    private static Path resolve(String key) {
        String configured = System.getProperty(key);
        if (configured == null) {
            configured = built().getProperty(key);
        }
        if (configured == null || configured.contains("${")) {
            throw new IllegalStateException(
                    key + " is not set: platform.properties was not filtered by the build;" + " set -D" + key);
        }
        return Path.of(configured).toAbsolutePath().normalize();
    }

    private static Properties built() {
        Properties properties = new Properties();
        try (InputStream in = PlatformPaths.class.getResourceAsStream("platform.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
