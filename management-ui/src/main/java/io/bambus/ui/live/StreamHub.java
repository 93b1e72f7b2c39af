package io.bambus.ui.live;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The browsers' event streams. Publishing never writes: it only leaves the message with each
 * stream, and every stream has its own sender thread that writes to its browser. So a browser
 * that stops reading stalls nobody but itself, and what it holds is bounded: the newest snapshot
 * of each "latest wins" event (the cluster) and at most {@value #QUEUE} other messages (timeline
 * entries). A stream is dropped when its queue overflows, when one write has been blocked for
 * {@value #STALL_MILLIS} ms, or when its login session ends. Owned by {@link LiveState}.
 */
public final class StreamHub implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(StreamHub.class);
    static final int QUEUE = 64;
    static final long STALL_MILLIS = 10_000;
    static final int MAX_STREAMS = 100;
    /** Streams one login may hold (a few tabs). */
    static final int MAX_PER_LOGIN = 6;
    /**
     * Streams one user may hold over all their logins (a few browsers): logging in again and again
     * (each login a session of its own) cannot take the other users' streams.
     */
    static final int MAX_PER_USER = 10;
    private static final AtomicLong IDS = new AtomicLong();

    /** Where a stream's messages go: a browser's server-sent event stream. */
    public interface Sink {
        void event(String name, String data);

        void comment(String text);

        /** Whether the browser is gone (a write failed). */
        boolean closed();

        void close();
    }

    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final LongSupplier clock;
    private volatile Predicate<String> loggedIn = token -> true;

    public StreamHub(LongSupplier clock) {
        this.clock = clock;
    }

    /** Sets the check of login sessions (by token): streams whose session ended are closed at the next {@link #check}. */
    public void loggedIn(Predicate<String> check) {
        this.loggedIn = check;
    }

    /**
     * Opens a stream to {@code sink} for the login session {@code token} of {@code user}; false
     * (and the sink closed) when {@value #MAX_STREAMS} streams are open already,
     * {@value #MAX_PER_LOGIN} of this login or {@value #MAX_PER_USER} of this user.
     */
    public synchronized boolean open(Sink sink, String token, String user, String firstEvent, String firstData) {
        long ofLogin = streams.stream().filter(s -> s.token.equals(token)).count();
        long ofUser = streams.stream().filter(s -> s.user.equals(user)).count();
        String refused = ofLogin >= MAX_PER_LOGIN ? "its login has " + MAX_PER_LOGIN + " open already (one per browser tab)"
                : ofUser >= MAX_PER_USER ? "the user has " + MAX_PER_USER + " open already over all their logins"
                : streams.size() >= MAX_STREAMS ? MAX_STREAMS + " are open already" : null;
        if (refused != null) {
            LOG.warn("Management UI: refused an event stream for {}: {}", user, refused);
            sink.close();
            return false;
        }
        Stream stream = new Stream(sink, token, user);
        streams.add(stream);
        stream.offer(firstEvent, firstData, true);
        stream.sender.start();
        return true;
    }

    /** Leaves {@code data} with every stream; with {@code latestWins} it replaces an unsent message of the same event. */
    public void publish(String event, String data, boolean latestWins) {
        for (Stream stream : streams) {
            stream.offer(event, data, latestWins);
        }
    }

    /** A keep-alive comment for every stream that has nothing waiting. */
    public void keepAlive() {
        for (Stream stream : streams) {
            stream.offer(null, "keep-alive", true);
        }
    }

    /** Drops streams that stalled or whose login ended; called by the poller. */
    public void check() {
        long now = clock.getAsLong();
        for (Stream stream : streams) {
            long since = stream.writingSince;
            if (since != 0 && now - since > STALL_MILLIS) {
                stream.end("one write has been blocked for " + (now - since) / 1000 + " s (a browser that stopped reading)");
            } else if (!loggedIn.test(stream.token)) {
                stream.end("the login session ended");
            } else if (stream.sink.closed()) {
                stream.end(null);
            }
        }
    }

    /** Closes every stream of the login session {@code token}. */
    public void disconnect(String token, String why) {
        for (Stream stream : streams) {
            if (stream.token.equals(token)) {
                stream.end(why);
            }
        }
    }

    public int size() {
        return streams.size();
    }

    @Override
    public void close() {
        for (Stream stream : streams) {
            stream.end(null);
        }
    }

    private final class Stream {

        private final Sink sink;
        private final String token;
        private final String user;
        private final Thread sender;
        private final Deque<String[]> queue = new ArrayDeque<>();
        private boolean open = true;
        /** When the write in progress started, 0 while none is. */
        private volatile long writingSince;

        Stream(Sink sink, String token, String user) {
            this.sink = sink;
            this.token = token;
            this.user = user;
            this.sender = new Thread(this::send, "bambus-ui-stream-" + IDS.incrementAndGet());
            this.sender.setDaemon(true);
        }

        void offer(String event, String data, boolean latestWins) {
            boolean overflow = false;
            synchronized (this) {
                if (!open) {
                    return;
                }
                if (latestWins) {
                    queue.removeIf(m -> java.util.Objects.equals(m[0], event));
                }
                if (queue.size() >= QUEUE) {
                    overflow = true;
                } else {
                    queue.addLast(new String[] {event, data});
                    notifyAll();
                }
            }
            if (overflow) {
                end(QUEUE + " messages were left unread (a browser that stopped reading)");
            }
        }

        private void send() {
            try {
                while (true) {
                    String[] message;
                    synchronized (this) {
                        while (open && queue.isEmpty()) {
                            wait(1_000);
                        }
                        if (!open) {
                            return;
                        }
                        message = queue.removeFirst();
                    }
                    writingSince = clock.getAsLong();
                    if (message[0] == null) {
                        sink.comment(message[1]);
                    } else {
                        sink.event(message[0], message[1]);
                    }
                    writingSince = 0;
                    if (sink.closed()) {
                        end(null);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // ended
            } catch (RuntimeException e) {
                // the browser went away mid-write
                end(null);
            }
        }

        /** Ends the stream once; {@code why}, when given, is logged (null: the browser went away). */
        void end(String why) {
            synchronized (this) {
                if (!open) {
                    return;
                }
                open = false;
                queue.clear();
                notifyAll();
            }
            streams.remove(this);
            if (why != null) {
                LOG.info("Management UI: closed an event stream of {}: {}", user, why);
            }
            if (Thread.currentThread() != sender) {
                sender.interrupt();
            }
            try {
                sink.close();
            } catch (RuntimeException e) {
                LOG.debug("Management UI: closing an event stream: {}", e.toString());
            }
        }
    }
}
