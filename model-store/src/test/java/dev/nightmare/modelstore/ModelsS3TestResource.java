package dev.nightmare.modelstore;

import dev.nightmare.engine.testing.Shared;
import dev.nightmare.platform.LocalS3;
import dev.nightmare.platform.testing.S3TestResource;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.UploadObjectArgs;
import java.io.IOException;
import java.util.Map;

/** The real S3 server with bucket {@code models} holding {@code models/s3-tiny.cfg|weights} (tiny's files). */
public class ModelsS3TestResource extends S3TestResource {
    public static final String BUCKET = "models";
    public static final String PREFIX = "models/";

    @Override
    protected Map<String, String> seed(LocalS3 s3) throws IOException {
        MinioClient minio = client(s3);
        try {
            minio.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
            for (String ext : new String[] {"cfg", "weights"}) {
                minio.uploadObject(UploadObjectArgs.builder()
                        .bucket(BUCKET)
                        .object(PREFIX + "s3-tiny." + ext)
                        .filename(Shared.models().resolve("tiny." + ext).toString())
                        .build());
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        return Map.of("nightmare.model-store.bucket", BUCKET, "nightmare.model-store.prefix", PREFIX);
    }

    public static MinioClient client(LocalS3 s3) {
        return MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .region(s3.region())
                .build();
    }
}
