package io.bambus.ui.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.timeline.TimelineEntry;
import io.javalin.http.sse.SseClient;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The cluster as the pages see it: one thread ("bambus-ui-live") reads members, sessions and new
 * timeline entries every {@value #POLL_MILLIS} ms, keeps 15 minutes of throughput samples per
 * session, and pushes what changed to every connected browser (server-sent events). Owned and
 * closed by the UI.
 */
public final class LiveState implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(LiveState.class);
    static final long POLL_MILLIS = 250;
    static final long SAMPLE_MILLIS = 5_000;
    static final int SAMPLES = 180; // 15 minutes
    private static final int TIMELINE_KEPT = 2_000;
    private static final long KEEPALIVE_MILLIS = 15_000;

    private final BusOperations ops;
    private final ObjectMapper json;
    private final Thread thread;
    private final StreamHub hub = new StreamHub(System::currentTimeMillis);
    private final Samples samples = new Samples(SAMPLES);
    private final Deque<Views.TimelineView> timeline = new ArrayDeque<>();
    private volatile Views.ClusterView cluster = new Views.ClusterView(0, "not read yet", List.of(), List.of());
    private volatile boolean running = true;
    private long timelineNext;
    private long nextSampleMillis;
    private long nextKeepAliveMillis;
    private String lastSent = "";
    private String lastError;

    public LiveState(BusOperations ops, ObjectMapper json) {
        this.ops = ops;
        this.json = json;
        this.thread = new Thread(this::loop, "bambus-ui-live");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public Views.ClusterView cluster() {
        return cluster;
    }

    /** The newest timeline entries this UI has seen, oldest first (the cluster keeps more: see the API). */
    public synchronized List<Views.TimelineView> recentTimeline(int max) {
        List<Views.TimelineView> all = new ArrayList<>(timeline);
        return all.subList(Math.max(0, all.size() - max), all.size());
    }

    /** Every session's events/s over the last 15 minutes (the sessions table's small charts). */
    public synchronized List<Views.Series> throughput() {
        return samples.rates();
    }

    /** One session's series, or null for a session not seen. */
    public synchronized Views.Series series(String session) {
        return samples.series(session);
    }

    /** All sessions' series together. */
    public synchronized Views.Series total() {
        return samples.total();
    }

    /** Sets the check of login sessions (by cookie token): the streams of ended sessions are closed at the next poll. */
    public void loggedIn(Predicate<String> check) {
        hub.loggedIn(check);
    }

    /**
     * Registers a browser's event stream, opened by the login session {@code token} of
     * {@code user}; it gets the current cluster at once.
     */
    public void connect(SseClient client, String token, String user) {
        hub.open(new StreamHub.Sink() {
            @Override
            public void event(String name, String data) {
                client.sendEvent(name, data);
            }

            @Override
            public void comment(String text) {
                client.sendComment(text);
            }

            @Override
            public boolean closed() {
                return client.terminated();
            }

            @Override
            public void close() {
                client.close();
            }
        }, token, user, "cluster", toJson(cluster));
    }

    /** Closes every stream of the login session {@code token}. */
    public void disconnect(String token, String why) {
        hub.disconnect(token, why);
    }

    /** Open event streams, for tests. */
    public int streams() {
        return hub.size();
    }

    private void loop() {
        while (running) {
            try {
                poll();
            } catch (OutOfMemoryError | StackOverflowError e) {
                // keep the pages' view alive: the next poll starts afresh
                LOG.error("Management UI: reading the cluster failed: {}", e.toString());
            } catch (RuntimeException e) {
                String error = "the cluster cannot be read: " + e.getMessage();
                if (!error.equals(lastError)) {
                    LOG.warn("Management UI: {}; showing the last good read until it answers again", error);
                    lastError = error;
                }
                Views.ClusterView last = cluster;
                cluster = new Views.ClusterView(last.takenMillis(), error, last.members(), last.sessions());
                broadcastCluster();
            }
            hub.check();
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void poll() {
        long now = System.currentTimeMillis();
        List<Views.MemberView> members = ops.members().stream().map(Views.MemberView::of).toList();
        List<String> addresses = members.stream().map(Views.MemberView::address).toList();
        List<SessionRecord> records = ops.sessions();
        boolean sample = now >= nextSampleMillis;
        if (sample) {
            nextSampleMillis = now + SAMPLE_MILLIS;
        }
        List<Views.SessionView> sessions = new ArrayList<>();
        synchronized (this) {
            for (SessionRecord record : records) {
                if (sample) {
                    samples.add(now, record);
                }
                sessions.add(Views.SessionView.of(record, ops.assignedMember(record.sessionId()), addresses,
                        samples.latestRate(record.sessionId())));
            }
            samples.retain(records.stream().map(SessionRecord::sessionId).toList());
        }
        if (lastError != null) {
            LOG.info("Management UI: the cluster answers again");
            lastError = null;
        }
        cluster = new Views.ClusterView(now, null, members, sessions);
        broadcastCluster();
        followTimeline();
        if (now >= nextKeepAliveMillis) {
            nextKeepAliveMillis = now + KEEPALIVE_MILLIS;
            hub.keepAlive();
        }
    }

    private void followTimeline() {
        BusOperations.Page page = ops.timeline(timelineNext, 1000);
        if (page.entries().isEmpty()) {
            timelineNext = page.next();
            return;
        }
        long seq = page.next() - page.entries().size();
        List<Views.TimelineView> fresh = new ArrayList<>();
        for (TimelineEntry entry : page.entries()) {
            fresh.add(Views.TimelineView.of(seq++, entry));
        }
        timelineNext = page.next();
        synchronized (this) {
            timeline.addAll(fresh);
            while (timeline.size() > TIMELINE_KEPT) {
                timeline.removeFirst();
            }
        }
        broadcast("timeline", toJson(fresh));
    }

    private void broadcastCluster() {
        // the poll time alone is no change: compare without it
        Views.ClusterView c = cluster;
        String comparable = toJson(new Views.ClusterView(0, c.error(), c.members(), c.sessions()));
        if (!comparable.equals(lastSent)) {
            lastSent = comparable;
            hub.publish("cluster", toJson(c), true);
        }
    }

    private void broadcast(String event, String data) {
        hub.publish(event, data, false);
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        hub.close();
    }
}
