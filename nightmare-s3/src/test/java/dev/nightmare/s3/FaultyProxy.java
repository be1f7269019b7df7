package dev.nightmare.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy in front of a real server that misbehaves the way networks and servers do: it can
 * close every client connection that has been idle longer than {@code idleCloseMillis} (a server's
 * keep-alive timeout, shortened so a test need not wait 30 s), and it can pass the next request on
 * to the server and then drop the connection before the answer reaches the client (a reply lost on
 * the way). Everything else passes through unchanged.
 */
final class FaultyProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int upstreamPort;
    private final long idleCloseMillis;
    private final AtomicBoolean loseNextReply = new AtomicBoolean();
    private final List<Socket> open = new ArrayList<>();
    private volatile boolean closed;

    FaultyProxy(int upstreamPort, long idleCloseMillis) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.upstreamPort = upstreamPort;
        this.idleCloseMillis = idleCloseMillis;
        Thread.ofVirtual().start(this::accept);
    }

    String endpoint() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    /** The next answer the server sends is swallowed and its connection closed. */
    void loseNextReply() {
        loseNextReply.set(true);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                synchronized (open) {
                    open.add(client);
                    open.add(server);
                }
                Connection connection = new Connection(client, server);
                Thread.ofVirtual().start(connection::clientToServer);
                Thread.ofVirtual().start(connection::serverToClient);
                Thread.ofVirtual().start(connection::watchIdle);
            } catch (IOException e) {
                return;
            }
        }
    }

    private final class Connection {
        private final Socket client;
        private final Socket server;
        private volatile long lastTraffic = System.nanoTime();

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void clientToServer() {
            pump(client, server, false);
        }

        void serverToClient() {
            pump(server, client, true);
        }

        private void pump(Socket from, Socket to, boolean replies) {
            byte[] buffer = new byte[1 << 16];
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    lastTraffic = System.nanoTime();
                    if (replies && loseNextReply.compareAndSet(true, false)) {
                        shut();
                        return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // The other side went away.
            } finally {
                shut();
            }
        }

        void watchIdle() {
            while (!client.isClosed()) {
                try {
                    Thread.sleep(Math.max(10, idleCloseMillis / 10));
                } catch (InterruptedException e) {
                    return;
                }
                if ((System.nanoTime() - lastTraffic) / 1_000_000 > idleCloseMillis) {
                    shut();
                }
            }
        }

        private void shut() {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        synchronized (open) {
            open.forEach(FaultyProxy::closeQuietly);
        }
    }
}
