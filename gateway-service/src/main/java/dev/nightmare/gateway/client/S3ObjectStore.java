package dev.nightmare.gateway.client;

import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.service.ObjectStore;
import dev.nightmare.gateway.service.StorageUnavailableException;
import dev.nightmare.s3.S3Clients;
import dev.nightmare.s3.S3Errors;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.RemoveObjectsArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import io.minio.messages.DeleteError;
import io.minio.messages.DeleteObject;
import io.minio.messages.Item;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** {@link ObjectStore} on an S3 server through the MinIO SDK, with short timeouts so an outage is a fast 503. */
@ApplicationScoped
public class S3ObjectStore implements ObjectStore {
    private static final Logger LOG = Logger.getLogger(S3ObjectStore.class);
    /** Longest wait on one S3 read or write: beyond it the request answers 503. */
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(15);

    private final MinioClient client;
    private final String bucket;

    public S3ObjectStore(GatewayConfig config) {
        GatewayConfig.S3 s3 = config.s3();
        this.client = S3Clients.create(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), IO_TIMEOUT);
        this.bucket = s3.bucket();
        ensureBucket();
    }

    private void ensureBucket() {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                LOG.infof("created bucket %s", bucket);
            }
        } catch (Exception e) {
            // Not fatal: readiness stays false and requests answer 503 until S3 is back.
            LOG.warnf("bucket %s not checked (%s); will retry on use", bucket, e.toString());
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        write(key, bytes, contentType, Map.of());
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes, String contentType) {
        try {
            write(key, bytes, contentType, Map.of("If-None-Match", "*"));
            return true;
        } catch (PreconditionFailed e) {
            return false;
        }
    }

    private void write(String key, byte[] bytes, String contentType, Map<String, String> headers) {
        try {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(
                            new ByteArrayInputStream(bytes), bytes.length, -1)
                    .contentType(contentType)
                    .headers(headers)
                    .build());
        } catch (ErrorResponseException e) {
            if (e.response() != null && e.response().code() == 412) {
                throw new PreconditionFailed();
            }
            throw unavailable("put " + key, e);
        } catch (Exception e) {
            throw unavailable("put " + key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try (GetObjectResponse in = client.getObject(
                GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return Optional.of(in.readAllBytes());
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return Optional.empty();
            }
            throw unavailable("get " + key, e);
        } catch (Exception e) {
            throw unavailable("get " + key, e);
        }
    }

    @Override
    public Optional<StoredObject> open(String key) {
        try {
            GetObjectResponse in = client.getObject(
                    GetObjectArgs.builder().bucket(bucket).object(key).build());
            String length = in.headers().get("Content-Length");
            String type = in.headers().get("Content-Type");
            return Optional.of(new StoredObject(
                    in,
                    length == null ? -1 : Long.parseLong(length),
                    type == null ? "application/octet-stream" : type));
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return Optional.empty();
            }
            throw unavailable("get " + key, e);
        } catch (Exception e) {
            throw unavailable("get " + key, e);
        }
    }

    @Override
    public boolean exists(String key) {
        try {
            client.statObject(
                    StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return false;
            }
            throw unavailable("stat " + key, e);
        } catch (Exception e) {
            throw unavailable("stat " + key, e);
        }
    }

    @Override
    public List<String> list(String prefix, String startAfter, int max) {
        List<String> keys = new ArrayList<>();
        try {
            ListObjectsArgs.Builder args = ListObjectsArgs.builder()
                    .bucket(bucket)
                    .prefix(prefix)
                    .recursive(true)
                    .maxKeys(Math.min(Math.max(max, 1), 1000));
            if (startAfter != null) {
                args.startAfter(startAfter);
            }
            for (Result<Item> result : client.listObjects(args.build())) {
                keys.add(result.get().objectName());
                if (keys.size() >= max) {
                    break;
                }
            }
            return keys;
        } catch (Exception e) {
            throw unavailable("list " + prefix, e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            client.removeObject(
                    RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw unavailable("delete " + key, e);
        }
    }

    @Override
    public void deletePrefix(String prefix) {
        List<String> keys = list(prefix, null, Integer.MAX_VALUE);
        if (keys.isEmpty()) {
            return;
        }
        try {
            List<DeleteObject> objects = keys.stream().map(DeleteObject::new).toList();
            // The result is lazy: iterating it performs the deletes and reports failures.
            for (Result<DeleteError> error : client.removeObjects(
                    RemoveObjectsArgs.builder().bucket(bucket).objects(objects).build())) {
                DeleteError e = error.get();
                throw new StorageUnavailableException("delete " + e.objectName() + ": " + e.message(), null);
            }
        } catch (StorageUnavailableException e) {
            throw e;
        } catch (Exception e) {
            throw unavailable("delete " + prefix, e);
        }
    }

    @Override
    public String presignGet(String key, int seconds) {
        try {
            return client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Method.GET)
                    .bucket(bucket)
                    .object(key)
                    .expiry(seconds)
                    .build());
        } catch (Exception e) {
            throw unavailable("presign " + key, e);
        }
    }

    @Override
    public boolean ready() {
        try {
            return client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (Exception e) {
            return false;
        }
    }

    private static StorageUnavailableException unavailable(String what, Exception e) {
        return new StorageUnavailableException("S3 " + what + " failed: " + e, e);
    }

    /** The server refused a conditional write. */
    private static final class PreconditionFailed extends RuntimeException {
        PreconditionFailed() {
            super(null, null, false, false);
        }
    }
}
