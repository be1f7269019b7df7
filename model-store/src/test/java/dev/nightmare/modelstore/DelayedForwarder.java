package dev.nightmare.modelstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * Makes a running server look down, then up: nothing listens on {@link #port()} until
 * {@code delay} has passed (connections are refused), after which every connection is forwarded to
 * the target port on 127.0.0.1. For "store unreachable at start-up" tests without restarting it.
 */
final class DelayedForwarder implements AutoCloseable {
    private final int port;
    private final Thread acceptor;
    private volatile ServerSocket server;

    DelayedForwarder(int port, int targetPort, Duration delay) {
        this.port = port;
        this.acceptor = Thread.ofVirtual().start(() -> run(targetPort, delay));
    }

    int port() {
        return port;
    }

    private void run(int targetPort, Duration delay) {
        try {
            Thread.sleep(delay);
            server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
            while (!server.isClosed()) {
                Socket client = server.accept();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                Thread.ofVirtual().start(() -> pipe(client, target));
                Thread.ofVirtual().start(() -> pipe(target, client));
            }
        } catch (IOException | InterruptedException closed) {
            // Closed by the test.
        }
    }

    private static void pipe(Socket from, Socket to) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException closed) {
            // One side went away; closing both below ends the other pipe too.
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
    }

    @Override
    public void close() throws IOException {
        acceptor.interrupt();
        if (server != null) {
            server.close();
        }
    }
}
