package dev.nightmare.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.platform.testing.InjectLocalKafka;
import dev.nightmare.platform.testing.InjectLocalS3;
import dev.nightmare.platform.testing.KafkaTestResource;
import dev.nightmare.platform.testing.S3TestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager.TestInjector;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The Quarkus test resources driven the way Quarkus drives them: start → config, inject, stop. */
class QuarkusTestResourcesIT {
    @InjectLocalKafka
    LocalKafka kafka;

    @InjectLocalS3
    LocalS3 s3;

    /** Quarkus's injector, reduced to what the resources use: fields of this test matching a predicate. */
    private final TestInjector injector = new TestInjector() {
        @Override
        public void injectIntoFields(Object value, Predicate<Field> predicate) {
            for (Field field : QuarkusTestResourcesIT.class.getDeclaredFields()) {
                if (predicate.test(field)) {
                    try {
                        field.set(QuarkusTestResourcesIT.this, value);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    };

    @Test
    void kafkaResourceSetsBootstrapServersInjectsTheBrokerAndStopsIt() {
        KafkaTestResource resource = new KafkaTestResource();
        Map<String, String> config = resource.start();
        try {
            resource.inject(injector);
            assertThat(kafka).isNotNull();
            assertThat(s3).isNull();
            assertThat(config).containsEntry("kafka.bootstrap.servers", kafka.bootstrapServers());
            assertThat(Ports.accepts(kafka.port())).isTrue();
        } finally {
            resource.stop();
        }
        assertThat(kafka.isRunning()).isFalse();
        assertThat(Ports.isFree(kafka.port())).isTrue();
    }

    @Test
    void s3ResourceSetsTheServiceConfigCreatesBucketsAndStops() {
        S3TestResource resource = new S3TestResource();
        resource.init(Map.of("buckets", "models, jobs"));
        Map<String, String> config = resource.start();
        try {
            resource.inject(injector);
            assertThat(s3).isNotNull();
            assertThat(config)
                    .containsEntry("nightmare.s3.endpoint", s3.endpoint())
                    .containsEntry("nightmare.s3.access-key", s3.accessKey())
                    .containsEntry("nightmare.s3.secret-key", s3.secretKey())
                    .containsEntry("nightmare.s3.region", "us-east-1");
            assertThat(Files.isDirectory(s3.dir().resolve("data/models"))).isTrue();
            assertThat(Files.isDirectory(s3.dir().resolve("data/jobs"))).isTrue();
        } finally {
            resource.stop();
        }
        assertThat(s3.isRunning()).isFalse();
    }
}
