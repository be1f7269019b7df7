package dev.nightmare.s3;

import io.minio.MinioClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;

/**
 * The one MinIO client set-up every service uses: {@code TCP_NODELAY} sockets ({@link
 * NoDelaySocketFactory}), a 2 s connect timeout and the caller's read/write timeout, so an S3
 * outage is a quick, clear failure rather than a hang; pooled connections dropped before a server
 * would close them for idleness; and no silent OkHttp retries ({@link S3Bucket} retries what is safe
 * to repeat).
 */
public final class S3Clients {
    /** Connecting to a live S3 server on a network takes milliseconds; longer means it is away. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /**
     * How long an idle pooled connection is kept. S3 servers close idle connections on their side
     * (s3proxy's Jetty after 30 s, MinIO after 30 s, AWS after about 20 s); a connection they have
     * closed fails the next request sent on it ("unexpected end of stream"). Kept well below all of
     * them, so the pool never hands one out.
     */
    public static final Duration POOLED_CONNECTION_IDLE = Duration.ofSeconds(10);

    private static final int POOLED_CONNECTIONS = 16;

    private S3Clients() {}

    /** @param ioTimeout longest wait for one read or write on the socket */
    public static MinioClient create(S3Settings settings, Duration ioTimeout) {
        return create(settings.endpoint(), settings.accessKey(), settings.secretKey(), settings.region(), ioTimeout);
    }

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
                .connectionPool(new ConnectionPool(
                        POOLED_CONNECTIONS, POOLED_CONNECTION_IDLE.toMillis(), TimeUnit.MILLISECONDS))
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
