package io.bambus.ui.live;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.grid.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The event streams' fan-out over real TCP connections: one browser that never reads (its socket
 * fills and the write blocks, as a stalled client's does) must not delay another browser's
 * events, and is dropped.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StreamHubTest {

    /** Writes server-sent events to a real socket, blocking when the peer does not read. */
    private static final class SocketSink implements StreamHub.Sink {
        private final Socket socket;
        private final OutputStream out;
        private volatile boolean closed;

        SocketSink(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        @Override
        public void event(String name, String data) {
            write("event: " + name + "\ndata: " + data + "\n\n");
        }

        @Override
        public void comment(String text) {
            write(": " + text + "\n\n");
        }

        private void write(String frame) {
            try {
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                closed = true;
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean closed() {
            return closed;
        }

        @Override
        public void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }

    @Test
    void aBrowserThatNeverReadsStallsNobodyElseAndIsDropped() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             StreamHub hub = new StreamHub(System::currentTimeMillis)) {
            // the stalled browser: connects with the smallest receive buffer and never reads
            Socket stalled = new Socket();
            stalled.setReceiveBufferSize(1);
            stalled.connect(server.getLocalSocketAddress());
            SocketSink stalledSink = new SocketSink(server.accept());
            // the healthy browser: reads every event
            Socket healthy = new Socket(server.getInetAddress(), server.getLocalPort());
            SocketSink healthySink = new SocketSink(server.accept());
            AtomicReference<String> lastSeen = new AtomicReference<>("");
            AtomicInteger seen = new AtomicInteger();
            AtomicBoolean reading = new AtomicBoolean(true);
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(healthy.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while (reading.get() && (line = in.readLine()) != null) {
                        if (line.startsWith("data: ")) {
                            lastSeen.set(line.substring(6, Math.min(line.length(), 30)));
                            seen.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    // the test closed it
                }
            }, "healthy-reader");
            reader.setDaemon(true);
            reader.start();

            assertTrue(hub.open(stalledSink, "stalled-token", "mallory", "cluster", "first"));
            assertTrue(hub.open(healthySink, "healthy-token", "olga", "cluster", "first"));
            String padding = "x".repeat(200_000);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int published = 0;
            // publish big snapshots (latest wins) and timeline batches until the stalled stream is dropped;
            // after each, the healthy browser must get the newest snapshot
            while (hub.size() == 2 && System.nanoTime() < deadline) {
                String tag = "snapshot-" + (++published) + "-";
                String entry = "entry-" + published;
                hub.publish("cluster", tag + padding, true);
                hub.publish("timeline", entry, false);
                Await.until("the healthy browser to see " + tag, Duration.ofSeconds(5), () -> lastSeen.get().startsWith(tag)
                        || lastSeen.get().startsWith(entry));
                hub.check();
            }
            assertEquals(1, hub.size(), "the stalled stream was dropped (" + published + " snapshots published, "
                    + published * 200 / 1000 + " MB)");
            assertTrue(stalledSink.closed(), "the stalled browser's connection was closed");
            assertTrue(published * 200_000L > 1_000_000, "the stalled socket was really full: " + published + " snapshots");
            String tag = "after-drop-";
            hub.publish("cluster", tag, true);
            Await.until("the healthy browser to go on getting events", Duration.ofSeconds(5), () -> lastSeen.get().startsWith(tag));
            reading.set(false);
            healthy.close();
            stalled.close();
        }
    }

    @Test
    void aStreamWhoseLoginEndedOrWasLoggedOutIsClosed() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             StreamHub hub = new StreamHub(System::currentTimeMillis);
             Socket a = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket b = new Socket(server.getInetAddress(), server.getLocalPort())) {
            SocketSink sinkA = new SocketSink(server.accept());
            SocketSink sinkB = new SocketSink(server.accept());
            AtomicBoolean aLoggedIn = new AtomicBoolean(true);
            hub.loggedIn(token -> !token.equals("a") || aLoggedIn.get());
            hub.open(sinkA, "a", "olga", "cluster", "{}");
            hub.open(sinkB, "b", "vic", "cluster", "{}");
            hub.check();
            assertEquals(2, hub.size());
            aLoggedIn.set(false);
            hub.check();
            assertEquals(1, hub.size());
            assertTrue(sinkA.closed());
            hub.disconnect("b", "logged out");
            assertEquals(0, hub.size());
            assertTrue(sinkB.closed());
            a.setSoTimeout(5_000);
            assertDoesNotThrow(() -> a.getInputStream().readAllBytes(), "the server closed a's connection (end of stream)");
        }
    }

    @Test
    void oneLoginCannotTakeEveryStream() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             StreamHub hub = new StreamHub(System::currentTimeMillis)) {
            java.util.List<Socket> clients = new java.util.ArrayList<>();
            java.util.List<SocketSink> sinks = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < StreamHub.MAX_PER_LOGIN + 2; i++) {
                    clients.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                    SocketSink sink = new SocketSink(server.accept());
                    sinks.add(sink);
                    boolean opened = hub.open(sink, i <= StreamHub.MAX_PER_LOGIN ? "greedy" : "other", "u" + i, "cluster", "{}");
                    assertEquals(i < StreamHub.MAX_PER_LOGIN || i == StreamHub.MAX_PER_LOGIN + 1, opened, "stream " + i);
                }
                assertTrue(sinks.get(StreamHub.MAX_PER_LOGIN).closed(), "the refused stream is closed");
                assertEquals(StreamHub.MAX_PER_LOGIN + 1, hub.size());
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
            }
        }
    }

    @Test
    void oneUserCannotTakeEveryStreamByLoggingInAgainAndAgain() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             StreamHub hub = new StreamHub(System::currentTimeMillis)) {
            java.util.List<Socket> clients = new java.util.ArrayList<>();
            try {
                int opened = 0;
                // 17 logins of one viewer, each opening up to its own limit: before, they held 100 streams
                for (int login = 0; login < 17; login++) {
                    for (int tab = 0; tab < StreamHub.MAX_PER_LOGIN; tab++) {
                        clients.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                        if (hub.open(new SocketSink(server.accept()), "viewer-login-" + login, "vic", "cluster", "{}")) {
                            opened++;
                        }
                    }
                }
                assertEquals(StreamHub.MAX_PER_USER, opened, "one user's streams over all their logins");
                clients.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                assertTrue(hub.open(new SocketSink(server.accept()), "admin-login", "olga", "cluster", "{}"),
                        "another user's stream still opens");
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
            }
        }
    }
}
