package dev.nightmare.gateway.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.s3.S3Bucket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@link WebhookOutbox} in the jobs' bucket, one JSON object per delivery under {@value #PREFIX},
 * with S3's conditional puts ({@code If-None-Match: *} to create, {@code If-Match} to rewrite).
 * Failures to reach S3 are {@link dev.nightmare.s3.S3UnavailableException}s.
 */
public final class S3WebhookOutbox implements WebhookOutbox {
    public static final String PREFIX = "webhooks/";
    private static final Logger LOG = Logger.getLogger(S3WebhookOutbox.class);
    private static final String TYPE = "application/json";

    private final S3Bucket bucket;
    private final ObjectMapper json = ContractJson.mapper();

    /** @param jobsBucket the jobs' bucket (the outbox is its {@value #PREFIX} prefix) */
    public S3WebhookOutbox(S3Bucket jobsBucket) {
        this.bucket = jobsBucket.under(PREFIX);
    }

    @Override
    public Optional<String> create(Delivery delivery) {
        return bucket.putIfAbsent(delivery.id(), bytes(delivery), TYPE);
    }

    @Override
    public Optional<String> replace(Delivery delivery, String etag) {
        return bucket.putIfMatch(delivery.id(), bytes(delivery), TYPE, etag);
    }

    @Override
    public Optional<Stored> read(String id) {
        Optional<S3Bucket.Versioned> object = bucket.getWithEtag(id);
        if (object.isEmpty()) {
            return Optional.empty();
        }
        String problem;
        try {
            Delivery delivery = json.readValue(object.get().bytes(), Delivery.class);
            if (delivery.schemaVersion() == Delivery.SCHEMA_VERSION && id.equals(delivery.id())) {
                return Optional.of(new Stored(delivery, object.get().etag()));
            }
            problem = "schema version " + delivery.schemaVersion() + " and id " + delivery.id();
        } catch (IOException e) {
            problem = e.getMessage();
        }
        // Nothing this gateway wrote; kept, it would be read again on every sweep.
        LOG.warnf("webhook outbox object %s%s is not a delivery (%s); removed", PREFIX, id, problem);
        bucket.delete(id);
        return Optional.empty();
    }

    @Override
    public void delete(String id) {
        bucket.delete(id);
    }

    @Override
    public List<String> ids(String after, int max) {
        return bucket.list("", after, max, true);
    }

    private byte[] bytes(Delivery delivery) {
        try {
            return json.writeValueAsBytes(delivery);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
