package dev.nightmare.deploy;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each service's stated memory bound and how it is spent (docker/README.md, "Memory"): the heap
 * (-Xmx), NIO direct buffers (-XX:MaxDirectMemorySize), class metadata (-XX:MaxMetaspaceSize), the
 * worker's native engine memory (oneDNN and Winograd buffers, allocated through the FFM API, which no
 * JVM flag bounds), and a reserve for the rest of the JVM (threads, JIT code in use, GC structures).
 * The container's memory limit holds the total.
 */
final class MemoryBounds {
    private MemoryBounds() {}

    static final long MIB = 1024L * 1024;
    static final long RESERVE = 128 * MIB;

    /** @param nativeBytes the engine's native memory outside every JVM bound (worker only) */
    record Budget(String dockerfile, long limit, long heap, long nativeBytes) {}

    /** By compose service name. */
    static final Map<String, Budget> BUDGETS = Map.of(
            "gateway", new Budget("docker/gateway-service.Dockerfile", 1024 * MIB, 512 * MIB, 0),
            "model-store", new Budget("docker/model-store.Dockerfile", 768 * MIB, 256 * MIB, 0),
            "dream-worker", new Budget("docker/dream-worker.Dockerfile", 4096 * MIB, 1024 * MIB, 1536 * MIB),
            "dream-worker-gpu", new Budget("docker/dream-worker-cuda.Dockerfile", 8192 * MIB, 1024 * MIB, 1536 * MIB));

    static Budget budget(String service) {
        Budget budget = BUDGETS.get(service);
        if (budget == null) {
            throw new IllegalArgumentException("no memory budget for " + service);
        }
        return budget;
    }

    /** A size as compose ("768m", "1g"), Kubernetes ("768Mi", "1Gi") or a JVM flag ("512m") writes it. */
    static long bytes(String size) {
        Matcher m = Pattern.compile("(\\d+)([kmgKMG]i?)?[bB]?").matcher(size.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("size " + size);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        return switch (unit) {
            case "" -> n;
            case "k", "ki" -> n * 1024;
            case "m", "mi" -> n * MIB;
            case "g", "gi" -> n * 1024 * MIB;
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    /** A -Xmx / -XX:Max…=SIZE option's value from a JAVA_OPTS line, in bytes. */
    static long option(String javaOpts, String option) {
        Matcher m = Pattern.compile("(?:^|\\s)" + Pattern.quote(option) + "=?(\\d+[kmgKMG]?)(?=\\s|\"|$)")
                .matcher(javaOpts);
        if (!m.find()) {
            throw new AssertionError(option + " is not set in " + javaOpts);
        }
        return bytes(m.group(1));
    }

    /** The JAVA_OPTS a Dockerfile sets. */
    static String javaOpts(String dockerfile) {
        Matcher m = Pattern.compile("JAVA_OPTS=\"([^\"]*)\"").matcher(Repo.read(dockerfile));
        if (!m.find()) {
            throw new AssertionError("no JAVA_OPTS in " + dockerfile);
        }
        return m.group(1);
    }
}
