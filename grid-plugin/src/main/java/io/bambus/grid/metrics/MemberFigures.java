package io.bambus.grid.metrics;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The figures of the bus on this member, measured here: one {@link SessionFigures} per session it
 * runs (kept while a session restarts here, dropped once it runs elsewhere), the events its runners
 * committed since it started, and its share of the placement plan. Read by the metrics adapters
 * ({@link HazelcastMetrics}, {@link PrometheusEndpoint}).
 */
public final class MemberFigures {

    /** Events/s is the rate over at least this long, sampled when read (every 5 s by Hazelcast's metrics). */
    static final long RATE_WINDOW_NANOS = 5_000_000_000L;

    private final Map<String, SessionFigures> sessions = new ConcurrentHashMap<>();
    private final LongAdder eventsMoved = new LongAdder();
    private final IntSupplier sessionsAssigned;
    private boolean sampled;
    private long rateSinceNanos;
    private long rateBase;
    private double rate;

    public MemberFigures(IntSupplier sessionsAssigned) {
        this.sessionsAssigned = sessionsAssigned;
    }

    /** The figures of {@code sessionId}, for a runner that starts here (the same object across its restarts here). */
    public SessionFigures session(String sessionId) {
        return sessions.computeIfAbsent(sessionId, id -> new SessionFigures(id, eventsMoved));
    }

    /** Keeps the figures of {@code running} only: a session that no longer runs here is no longer published here. */
    public void retain(Set<String> running) {
        sessions.keySet().retainAll(running);
    }

    /** The sessions this member runs, with their figures. */
    public List<SessionFigures> sessions() {
        return List.copyOf(sessions.values());
    }

    /** Events this member's runners committed since the member started. */
    public long eventsMoved() {
        return eventsMoved.sum();
    }

    /** Events/s this member's runners committed over the last 5–10 s (0 until 5 s after the first reading). */
    public synchronized double eventsPerSecond(long nowNanos) {
        long moved = eventsMoved.sum();
        if (!sampled) {
            sampled = true;
            rateSinceNanos = nowNanos;
            rateBase = moved;
        } else if (nowNanos - rateSinceNanos >= RATE_WINDOW_NANOS) {
            rate = (moved - rateBase) * 1e9 / (nowNanos - rateSinceNanos);
            rateSinceNanos = nowNanos;
            rateBase = moved;
        }
        return rate;
    }

    /** Events waiting in the sources of the sessions this member runs. */
    public long lagEvents() {
        long sum = 0;
        for (SessionFigures figures : sessions.values()) {
            sum += Math.max(0, figures.lagEvents());
        }
        return sum;
    }

    /** This member's share of the sessions in the placement plan it runs by. */
    public int sessionsAssigned() {
        return sessionsAssigned.getAsInt();
    }
}
