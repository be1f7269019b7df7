package dev.nightmare.s3;

import io.minio.MinioClient;
import java.time.Duration;
import okhttp3.OkHttpClient;

/**
 * The one MinIO client set-up every service uses: {@code TCP_NODELAY} sockets ({@link
 * NoDelaySocketFactory}), a 2 s connect timeout and the caller's read/write timeout, so an S3
 * outage is a quick, clear failure rather than a hang, and no silent OkHttp retries (the callers
 * retry where it is safe, with their own backoff).
 */
public final class S3Clients {
    /** Connecting to a live S3 server on a network takes milliseconds; longer means it is away. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private S3Clients() {}

    /**
     * @param endpoint the server's URL, e.g. {@code http://127.0.0.1:9000}
     * @param ioTimeout longest wait for one read or write on the socket
     */
    public static MinioClient create(
            String endpoint, String accessKey, String secretKey, String region, Duration ioTimeout) {
        OkHttpClient http = new OkHttpClient.Builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .readTimeout(ioTimeout)
                .writeTimeout(ioTimeout)
                .retryOnConnectionFailure(false)
                .socketFactory(new NoDelaySocketFactory())
                .build();
        return MinioClient.builder()
                .endpoint(endpoint)
                .credentials(accessKey, secretKey)
                .region(region)
                .httpClient(http)
                .build();
    }
}
