package dev.nightmare.modelstore.service;

import dev.nightmare.s3.S3Errors;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The models in one S3 bucket under a prefix, in the same layout as the models directory:
 * {@code <prefix>NAME.cfg|weights|json} is the current version of NAME, and
 * {@code <prefix>versions/<sha256>/NAME.cfg|weights|json} every version uploaded through the store.
 * Objects are streamed, never read whole.
 */
public final class S3Models {
    /** Under the prefix: where the store keeps every uploaded version. */
    public static final String VERSIONS = "versions/";

    private final MinioClient minio;
    private final String bucket;
    private final String prefix;

    public S3Models(MinioClient minio, String bucket, String prefix) {
        this.minio = minio;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** {@code s3://bucket/prefix}, for messages. */
    public String describe() {
        return "s3://" + bucket + "/" + prefix;
    }

    public boolean bucketExists() throws IOException {
        try {
            return minio.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(describe() + ": " + e.getMessage(), e);
        }
    }

    /** Creates the bucket (the local platform starts with none). */
    public void createBucket() throws IOException {
        try {
            minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(describe() + ": cannot create the bucket: " + e.getMessage(), e);
        }
    }

    /** Keys relative to the prefix: the top level ({@code NAME.cfg} ...) when not recursive. */
    public List<String> list(String under, boolean recursive) throws IOException {
        List<String> keys = new ArrayList<>();
        try {
            for (Result<Item> result : minio.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket)
                    .prefix(prefix + under)
                    .recursive(recursive)
                    .build())) {
                Item item = result.get();
                if (!item.isDir()) {
                    keys.add(item.objectName().substring(prefix.length()));
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(describe() + ": listing failed: " + e.getMessage(), e);
        }
        return keys;
    }

    /** The object's bytes as a stream; null when it does not exist. */
    public InputStream openOrNull(String key) throws IOException {
        try {
            return minio.getObject(
                    GetObjectArgs.builder().bucket(bucket).object(prefix + key).build());
        } catch (ErrorResponseException e) {
            if (S3Errors.isMissing(e)) {
                return null;
            }
            throw new IOException(describe() + key + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(describe() + key + ": " + e.getMessage(), e);
        }
    }

    public InputStream open(String key) throws IOException {
        InputStream in = openOrNull(key);
        if (in == null) {
            throw new IOException(describe() + key + " does not exist");
        }
        return in;
    }

    /** Uploads a local file (multipart for large ones, streamed from disk). */
    public void put(String key, Path file) throws IOException {
        try {
            minio.uploadObject(UploadObjectArgs.builder()
                    .bucket(bucket)
                    .object(prefix + key)
                    .filename(file.toString())
                    .build());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(describe() + key + ": upload failed: " + e.getMessage(), e);
        }
    }

    public void remove(String key) throws IOException {
        try {
            minio.removeObject(RemoveObjectArgs.builder()
                    .bucket(bucket)
                    .object(prefix + key)
                    .build());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(describe() + key + ": remove failed: " + e.getMessage(), e);
        }
    }
}
