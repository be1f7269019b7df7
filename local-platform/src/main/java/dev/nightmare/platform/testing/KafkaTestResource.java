package dev.nightmare.platform.testing;

import dev.nightmare.platform.LocalKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Starts a real Kafka broker ({@link LocalKafka}) on a free port for a {@code @QuarkusTest} /
 * {@code @QuarkusIntegrationTest} and sets {@code kafka.bootstrap.servers}. Fields of type
 * {@link LocalKafka} annotated {@link InjectLocalKafka} in the test get the broker (to stop and
 * restart it in fault tests).
 *
 * <pre>{@code @WithTestResource(KafkaTestResource.class)}</pre>
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {
    private LocalKafka kafka;

    @Override
    public Map<String, String> start() {
        try {
            kafka = LocalKafka.start(TestDirs.create("kafka"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                kafka, new TestInjector.AnnotatedAndMatchesType(InjectLocalKafka.class, LocalKafka.class));
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }
}
