package dev.nightmare.worker.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/**
 * A stand-in for the model-store's download API (the paths and headers the model-client uses)
 * serving Tiny Darknet from {@code ../shared/models}, so the worker's own ITs need no model-store
 * process; the end-to-end test in {@code system-tests} runs the real one.
 */
public class ModelStoreStub implements QuarkusTestResourceLifecycleManager {
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String base = "/v1/models/" + TinyModel.NAME;
        server.createContext(base + "/cfg", exchange -> file(exchange, TinyModel.CFG));
        server.createContext(
                base + "/versions/" + TinyModel.SHA256 + "/cfg", exchange -> file(exchange, TinyModel.CFG));
        server.createContext(
                base + "/versions/" + TinyModel.SHA256 + "/weights", exchange -> file(exchange, TinyModel.WEIGHTS));
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        return Map.of(
                "nightmare.model-store.url",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static void file(HttpExchange exchange, Path file) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!path.endsWith("/cfg") && !path.endsWith("/weights")) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        exchange.getResponseHeaders().add("X-Model-Version", TinyModel.SHA256);
        exchange.getResponseHeaders().add("ETag", "\"" + sha256(bytes) + "\"");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
