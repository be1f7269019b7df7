package dev.nightmare.gateway;

import static dev.nightmare.gateway.NightmareResourceTest.ALICE;
import static dev.nightmare.gateway.NightmareResourceTest.TINY;
import static dev.nightmare.gateway.NightmareResourceTest.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.gateway.testing.InMemoryJobBus;
import dev.nightmare.gateway.testing.InMemoryObjectStore;
import dev.nightmare.gateway.testing.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The image by URL (test allow-list: 127.0.0.1, timeout 2 s): fetched and decoded like an upload,
 * redirects re-checked against the list, size and time limited, every refusal a clear error.
 */
@QuarkusTest
class ImageUrlTest {
    @Inject
    InMemoryObjectStore store;

    @Inject
    InMemoryJobBus bus;

    private HttpServer server;
    private final List<String> requested = new CopyOnWriteArrayList<>();
    private final byte[] png = TestImages.png(40, 30);

    @BeforeEach
    void anImageServer() throws IOException {
        store.clear();
        bus.clear();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requested.add(path);
            switch (path) {
                case "/dog.png" -> send(exchange, 200, png);
                case "/moved" -> {
                    exchange.getResponseHeaders().add("Location", "/dog.png");
                    send(exchange, 302, new byte[0]);
                }
                case "/away" -> {
                    exchange.getResponseHeaders().add("Location", "http://localhost:" + port() + "/dog.png");
                    send(exchange, 302, new byte[0]);
                }
                case "/huge" -> {
                    exchange.sendResponseHeaders(200, 0); // chunked, no length: counted as read
                    try (OutputStream out = exchange.getResponseBody()) {
                        byte[] block = new byte[64 * 1024];
                        for (int i = 0; i < 40; i++) {
                            out.write(block);
                        }
                    } catch (IOException ignored) {
                        // the gateway hung up: what it should do
                    }
                }
                case "/slow" -> {
                    exchange.sendResponseHeaders(200, 0);
                    try (OutputStream out = exchange.getResponseBody()) {
                        for (int i = 0; i < 50; i++) {
                            out.write(png, 0, 1);
                            out.flush();
                            Thread.sleep(100);
                        }
                    } catch (IOException | InterruptedException ignored) {
                        // cut off by the gateway's deadline
                    }
                }
                default -> send(exchange, 404, new byte[0]);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private static void send(com.sun.net.httpserver.HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private ExtractableResponse<Response> json(String url) {
        return as(ALICE)
                .contentType("application/json")
                .body("{\"image\":\"" + url + "\",\"options\":" + TINY + "}")
                .post("/v1/nightmares")
                .then()
                .extract();
    }

    @Test
    void anAllowListedUrlIsFetchedAndStoredLikeAnUpload() {
        ExtractableResponse<Response> r = json("http://127.0.0.1:" + port() + "/moved");
        assertThat(r.statusCode()).as(r.body().asString()).isEqualTo(202);
        assertThat(requested).containsExactly("/moved", "/dog.png");
        String id = r.path("id");
        assertThat(r.<Integer>path("input.width")).isEqualTo(40);
        assertThat(store.objects()).containsKey(JobKeys.input(id));

        ExtractableResponse<Response> multipart = as(ALICE)
                .multiPart("image", "http://127.0.0.1:" + port() + "/dog.png")
                .multiPart("options", TINY)
                .post("/v1/nightmares")
                .then()
                .extract();
        assertThat(multipart.statusCode()).as(multipart.body().asString()).isEqualTo(202);
    }

    @Test
    void aRedirectOffTheListIsRefusedBeforeItIsFollowed() {
        ExtractableResponse<Response> r = json("http://127.0.0.1:" + port() + "/away");
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.<String>path("errors[0].field")).isEqualTo("image");
        assertThat(r.<String>path("errors[0].message"))
                .contains("localhost")
                .contains("allow-list")
                .contains("redirect");
        assertThat(requested).containsExactly("/away");
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void hostsOffTheListMissingFilesAndBadImagesAreClearErrors() {
        assertThat(json("http://10.0.0.1/dog.png").<String>path("errors[0].message"))
                .contains("10.0.0.1 is not on this gateway's image allow-list");
        ExtractableResponse<Response> missing = json("http://127.0.0.1:" + port() + "/nothing.png");
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(missing.<String>path("errors[0].message")).contains("answered 404");
        ExtractableResponse<Response> userInfo = json("http://127.0.0.1@127.0.0.1:" + port() + "/dog.png");
        assertThat(userInfo.statusCode()).isEqualTo(422);
        assertThat(userInfo.<String>path("errors[0].message")).contains("no user info");
        assertThat(bus.requests()).isEmpty();
    }

    @Test
    void aBodyPastTheUploadLimitOrTheTimeLimitIsCutOff() {
        ExtractableResponse<Response> huge = json("http://127.0.0.1:" + port() + "/huge");
        assertThat(huge.statusCode()).as(huge.body().asString()).isEqualTo(413);
        long start = System.nanoTime();
        ExtractableResponse<Response> slow = json("http://127.0.0.1:" + port() + "/slow");
        long took = (System.nanoTime() - start) / 1_000_000;
        assertThat(slow.statusCode()).isEqualTo(422);
        assertThat(slow.<String>path("errors[0].message")).contains("within 2 s");
        assertThat(took).as("cut at the 2 s deadline, not after the 5 s drip").isLessThan(4_500);
    }
}
