package dev.nightmare.platform.testing;

import dev.nightmare.platform.LocalS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a real S3 server ({@link LocalS3}) on a free port for a {@code @QuarkusTest} /
 * {@code @QuarkusIntegrationTest} and sets {@code nightmare.s3.endpoint}, {@code access-key},
 * {@code secret-key} and {@code region} (us-east-1). Init arg {@code buckets}: comma-separated
 * buckets to create empty before the app starts. Fields of type {@link LocalS3} annotated
 * {@link InjectLocalS3} get the server. Subclass and override {@link #seed(LocalS3)} to put objects
 * in before the app starts.
 *
 * <pre>{@code @WithTestResource(value = S3TestResource.class, initArgs = @ResourceArg(name = "buckets", value = "models"))}</pre>
 */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {
    private LocalS3 s3;
    private List<String> buckets = List.of();

    @Override
    public void init(Map<String, String> initArgs) {
        String names = initArgs.getOrDefault("buckets", "");
        buckets = names.isBlank() ? List.of() : List.of(names.split("\\s*,\\s*"));
    }

    @Override
    public Map<String, String> start() {
        try {
            s3 = LocalS3.start(TestDirs.create("s3"));
            for (String bucket : buckets) {
                s3.createBucket(bucket);
            }
            Map<String, String> config = new HashMap<>(seed(s3));
            config.put("nightmare.s3.endpoint", s3.endpoint());
            config.put("nightmare.s3.access-key", s3.accessKey());
            config.put("nightmare.s3.secret-key", s3.secretKey());
            config.put("nightmare.s3.region", s3.region());
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Puts test data in the running server before the app starts; returns extra config. */
    protected Map<String, String> seed(LocalS3 s3) throws IOException {
        return Map.of();
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(s3, new TestInjector.AnnotatedAndMatchesType(InjectLocalS3.class, LocalS3.class));
    }

    @Override
    public void stop() {
        if (s3 != null) {
            s3.close();
        }
    }
}
