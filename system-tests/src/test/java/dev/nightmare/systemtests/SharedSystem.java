package dev.nightmare.systemtests;

import dev.nightmare.platform.Ports;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestSystem} shared by the test classes that extend with it ({@link BadInputIT}, {@link
 * SecurityIT}, {@link LoadIT}, {@link VideoIT}): started by the first of them and stopped when the whole run ends,
 * so the suite pays for one start-up. Nothing in it is stopped or restarted by those tests; each
 * uses its own API keys, so their rate limits and job lists do not mix.
 *
 * <p>Gateway limits are generous unless {@code -Dnightmare.load.submissions-per-minute}, {@code
 * -Dnightmare.load.submission-burst} or {@code -Dnightmare.load.concurrent-jobs} say otherwise (the
 * load test reports what it ran under); presigned URLs live 2 s; webhooks may go to {@code
 * 127.0.0.1:}{@link #HOOK_PORT} only.
 */
final class SharedSystem implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedSystem.class);

    /** Presigned URLs' lifetime in the shared gateway: short, so their expiry can be tested. */
    static final int PRESIGN_SECONDS = 2;

    /** The public address share links are issued on (a chat user's view of the gateway). */
    static final String SHARE_BASE = "https://dreams.example.com";

    /** The only webhook target the shared gateway allows ({@code 127.0.0.1:HOOK_PORT}); tests listen on it. */
    static final int HOOK_PORT = Ports.free();

    private static volatile TestSystem system;

    /** Closed by JUnit at the end of the run (values of the root store that are AutoCloseable). */
    private record Holder(TestSystem system) implements AutoCloseable {
        @Override
        public void close() {
            system.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        system = context.getRoot()
                .getStore(NAMESPACE)
                .computeIfAbsent("system", key -> new Holder(start()), Holder.class)
                .system();
    }

    /** The running shared system (after {@link #beforeAll}). */
    static TestSystem get() {
        if (system == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(SharedSystem.class)");
        }
        return system;
    }

    static String limit(String name, String generous) {
        return System.getProperty("nightmare.load." + name, generous);
    }

    private static TestSystem start() {
        try {
            return TestSystem.builder("shared")
                    .apiKey("alice", "alice-key-0123456789")
                    .apiKey("bob", "bob-key-0123456789ab")
                    .apiKey("inputs", "inputs-key-0123456789")
                    .apiKey("load", "load-key-0123456789ab")
                    .apiKey("video", "video-key-0123456789a")
                    .gateway("nightmare.s3.presign-seconds", Integer.toString(PRESIGN_SECONDS))
                    .gateway("nightmare.events.keep-alive-seconds", "2")
                    .gateway("nightmare.webhooks.allowed-hosts", "127.0.0.1:" + HOOK_PORT)
                    .gateway("nightmare.webhooks.secret", "shared-webhook-secret-0123456789")
                    .gateway("nightmare.share.public-base-url", SHARE_BASE)
                    .gateway("nightmare.webhooks.max-attempts", "1")
                    .gateway("nightmare.limits.submissions-per-minute", limit("submissions-per-minute", "60000"))
                    .gateway("nightmare.limits.submission-burst", limit("submission-burst", "1000"))
                    .gateway("nightmare.limits.concurrent-jobs", limit("concurrent-jobs", "1000"))
                    .start();
        } catch (Exception e) {
            throw new IllegalStateException("the shared system did not start", e);
        }
    }
}
