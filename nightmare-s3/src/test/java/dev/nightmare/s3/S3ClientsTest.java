package dev.nightmare.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.ErrorResponse;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class S3ClientsTest {
    @Test
    void everySocketTheFactoryMakesHasNagleOff() throws Exception {
        NoDelaySocketFactory factory = new NoDelaySocketFactory();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 8, loopback)) {
            int port = server.getLocalPort();
            try (Socket a = factory.createSocket(loopback.getHostAddress(), port);
                    Socket b = factory.createSocket(loopback, port);
                    Socket c = factory.createSocket(loopback, port, loopback, 0);
                    Socket d = factory.createSocket(loopback.getHostAddress(), port, loopback, 0);
                    Socket unconnected = factory.createSocket()) {
                for (Socket s : new Socket[] {a, b, c, d, unconnected}) {
                    assertThat(s.getTcpNoDelay()).isTrue();
                }
            }
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersFailsWithinTheTimeout() throws Exception {
        // The kernel completes the handshake into the backlog; nothing ever answers.
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            var client = S3Clients.create(
                    "http://127.0.0.1:" + silent.getLocalPort(), "key", "secret", "us-east-1", Duration.ofSeconds(1));
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.statObject(
                            StatObjectArgs.builder().bucket("b").object("o").build()))
                    .isNotNull();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("a hung server is a quick failure, not a hang")
                    .isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void missingObjectsAreToldFromOtherErrors() {
        assertThat(S3Errors.isMissing(error("NoSuchKey", 404))).isTrue();
        assertThat(S3Errors.isMissing(error("NoSuchObject", 404))).isTrue();
        assertThat(S3Errors.isMissing(error(null, 404)))
                .as("a 404 without a code (HEAD has no body to read one from)")
                .isTrue();
        assertThat(S3Errors.isMissing(error("NoSuchBucket", 404)))
                .as("a missing bucket is a set-up or outage problem, not a missing object")
                .isFalse();
        assertThat(S3Errors.isMissing(error("AccessDenied", 403))).isFalse();
        assertThat(S3Errors.isMissing(error("PreconditionFailed", 412))).isFalse();
        assertThat(S3Errors.code(error("PreconditionFailed", 412))).isEqualTo("PreconditionFailed");
        assertThat(S3Errors.isBucketAlreadyThere(error("BucketAlreadyOwnedByYou", 409)))
                .isTrue();
        assertThat(S3Errors.isBucketAlreadyThere(error("BucketAlreadyExists", 409)))
                .isTrue();
        assertThat(S3Errors.isBucketAlreadyThere(error("AccessDenied", 403))).isFalse();
    }

    private static ErrorResponseException error(String code, int status) {
        Response response = new Response.Builder()
                .request(new Request.Builder().url("http://127.0.0.1:9000/b/o").build())
                .protocol(Protocol.HTTP_1_1)
                .code(status)
                .message("status " + status)
                .build();
        ErrorResponse body = new ErrorResponse(code, "message", "b", "o", "/b/o", "r", "h");
        return new ErrorResponseException(body, response, null);
    }
}
