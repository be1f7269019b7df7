package dev.nightmare.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Clients that stall or trickle do not hold a connection for ever: a connection silent for the
 * idle timeout is closed, and a body that has not arrived within the body-read limit after its
 * headers is answered 408 in the JSON error format and its connection closed. Short limits here
 * (2 s); the defaults are 30 s and 60 s.
 */
@QuarkusTest
@TestProfile(SlowClientsTest.ShortLimits.class)
class SlowClientsTest {
    /** The limits shortened so the test need not wait a minute. */
    public static class ShortLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "2s", "nightmare.limits.body-read-seconds", "2");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void stalledHeadersAreClosedAfterTheIdleTimeout() throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /v1/nightmares HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice-key-0123456789\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long began = System.nanoTime();
            int read = socket.getInputStream().read(); // nothing more is sent
            long waitedMillis = (System.nanoTime() - began) / 1_000_000;

            assertThat(read).as("closed, nothing answered to half a request").isEqualTo(-1);
            assertThat(waitedMillis).isBetween(1_000L, 12_000L);
        }
    }

    @Test
    void aTrickledBodyIsAnswered408AndClosed() throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/nightmares HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alice-key-0123456789\r\n"
                            + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"image\":")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long began = System.nanoTime();
            // A byte a second keeps the connection from going idle but never completes the body.
            String answer = "";
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(900);
            for (int i = 0; i < 12 && answer.isEmpty(); i++) {
                try {
                    byte[] buffer = new byte[4096];
                    int n = in.read(buffer);
                    answer = n < 0 ? "closed" : new String(buffer, 0, n, StandardCharsets.UTF_8);
                } catch (java.net.SocketTimeoutException e) {
                    out.write(' ');
                    out.flush();
                }
            }
            long waitedMillis = (System.nanoTime() - began) / 1_000_000;

            assertThat(answer)
                    .startsWith("HTTP/1.1 408")
                    .contains("application/json")
                    .contains("\"status\":408");
            assertThat(waitedMillis).isBetween(1_500L, 8_000L);
        }
    }
}
