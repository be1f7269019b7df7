package dev.nightmare.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Sends one huge request body over a plain socket, as a hostile client would, and reports how the
 * server answered: the status line it sent (possibly before the body was complete), how long that
 * took, and how many body bytes went out before the server answered or closed the connection.
 * (The JDK client reports a server that answers early and closes as an I/O error and hides the
 * answer.)
 */
final class RawUpload {
    /** What happened: {@code status} is -1 when the server closed without answering. */
    record Outcome(int status, String head, Duration took, long bytesSent) {}

    private RawUpload() {}

    /**
     * @param headers header lines without {@code Host}, {@code Content-Length} and {@code
     *     Transfer-Encoding}, each ending in CRLF
     * @param prefix the body's first bytes (e.g. a multipart part header); zeros fill the rest
     * @param chunked send with {@code Transfer-Encoding: chunked} instead of a length
     */
    static Outcome post(String url, String path, String headers, byte[] prefix, long bodyBytes, boolean chunked)
            throws IOException {
        URI uri = URI.create(url);
        long began = System.nanoTime();
        long sent = 0;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                    + headers
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bodyBytes + "\r\n")
                    + "\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            byte[] block = new byte[64 * 1024];
            try {
                while (sent < bodyBytes) {
                    if (in.available() > 0) {
                        break; // the server answered early
                    }
                    int n = (int) Math.min(block.length, bodyBytes - sent);
                    byte[] data = block;
                    if (sent < prefix.length) {
                        data = Arrays.copyOf(block, n);
                        int p = (int) Math.min(prefix.length - sent, n);
                        System.arraycopy(prefix, (int) sent, data, 0, p);
                    }
                    if (chunked) {
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write(data, 0, n);
                    if (chunked) {
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    sent += n;
                }
                if (chunked && sent >= bodyBytes) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (IOException closedByServer) {
                // Reset or broken pipe: the server stopped reading; its answer may still be readable.
            }
            String response = readHead(in);
            Duration took = Duration.ofNanos(System.nanoTime() - began);
            if (response.isEmpty()) {
                return new Outcome(-1, "", took, sent);
            }
            String[] statusLine = response.split("\r\n", 2)[0].split(" ");
            return new Outcome(Integer.parseInt(statusLine[1]), response, took, sent);
        }
    }

    /** The response's status line and headers, or "" when the connection closed first. */
    private static String readHead(InputStream in) {
        StringBuilder head = new StringBuilder();
        try {
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
        } catch (IOException e) {
            // Reset before or during the answer.
        }
        return head.toString();
    }
}
