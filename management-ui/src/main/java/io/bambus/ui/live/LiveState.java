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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
    private final Map<String, Deque<long[]>> samples = new HashMap<>();
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

    public synchronized List<Views.Throughput> throughput() {
        List<Views.Throughput> result = new ArrayList<>();
        samples.forEach((session, points) -> result.add(rates(session, points)));
        result.sort((a, b) -> a.session().compareTo(b.session()));
        return result;
    }

    /** Registers a browser's event stream; it gets the current cluster at once. */
    public void connect(SseClient client) {
        client.onClose(() -> clients.remove(client));
        client.sendEvent("cluster", toJson(cluster));
        clients.add(client);
    }

    private void loop() {
        while (running) {
            try {
                poll();
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
                Deque<long[]> points = samples.computeIfAbsent(record.sessionId(), id -> new ArrayDeque<>());
                if (sample) {
                    points.addLast(new long[] {now, record.eventsMoved()});
                    while (points.size() > SAMPLES + 1) {
                        points.removeFirst();
                    }
                }
                double[] rates = rates(record.sessionId(), points).eventsPerSecond();
                sessions.add(Views.SessionView.of(record, ops.assignedMember(record.sessionId()), addresses,
                        rates.length == 0 ? 0 : rates[rates.length - 1]));
            }
            samples.keySet().retainAll(records.stream().map(SessionRecord::sessionId).toList());
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
            broadcastComment();
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
            broadcast("cluster", toJson(c));
        }
    }

    private void broadcast(String event, String data) {
        for (SseClient client : clients) {
            try {
                if (client.terminated()) {
                    clients.remove(client);
                } else {
                    client.sendEvent(event, data);
                }
            } catch (RuntimeException e) {
                // a browser that went away mid-send
                clients.remove(client);
            }
        }
    }

    private void broadcastComment() {
        for (SseClient client : clients) {
            try {
                client.sendComment("keep-alive");
            } catch (RuntimeException e) {
                clients.remove(client);
            }
        }
    }

    private static Views.Throughput rates(String session, Deque<long[]> points) {
        List<long[]> list = new ArrayList<>(points);
        int n = Math.max(0, list.size() - 1);
        long[] millis = new long[n];
        double[] rates = new double[n];
        for (int i = 0; i < n; i++) {
            long[] a = list.get(i);
            long[] b = list.get(i + 1);
            millis[i] = b[0];
            rates[i] = b[0] == a[0] ? 0 : Math.max(0, b[1] - a[1]) * 1000.0 / (b[0] - a[0]);
        }
        return new Views.Throughput(session, millis, rates);
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
        // the web server's stop ends the streams themselves
        clients.clear();
    }
}
