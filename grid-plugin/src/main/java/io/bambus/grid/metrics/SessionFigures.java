package io.bambus.grid.metrics;

import io.bambus.core.session.Checkpoint;
import io.bambus.grid.session.CommitTimes;
import java.util.concurrent.atomic.LongAdder;

/**
 * What this member measures of one session it runs, written by the session's loop and read by the
 * metrics adapters at any time. Events moved and failed are the destination checkpoint's totals
 * (so they match the destination whichever member ran the session before); the commit times are
 * the batches committed on this member since it took the session.
 */
public final class SessionFigures {

    private final String sessionId;
    /** The member's own count of the events its runners committed. */
    private final LongAdder memberMoved;
    private volatile long epoch;
    private volatile long eventsMoved;
    private volatile long eventsFailed;
    private volatile long lagEvents;
    private volatile long oldestWaitingMillis;
    private volatile long heldSinceMillis;
    private volatile boolean failing;
    private volatile long lastCommitNanos;
    private final long[] commitCounts = new long[CommitTimes.BOUNDS.length + 1];
    private double commitSeconds;

    SessionFigures(String sessionId, LongAdder memberMoved) {
        this.sessionId = sessionId;
        this.memberMoved = memberMoved;
    }

    /** The session was claimed under {@code claimedEpoch} from {@code checkpoint}. */
    public void claimed(long claimedEpoch, Checkpoint checkpoint) {
        epoch = claimedEpoch;
        eventsMoved = checkpoint.eventsApplied();
        eventsFailed = checkpoint.eventsFailed();
        failing = false;
    }

    /** A batch committed, reaching {@code checkpoint}, {@code nanos} after its read started. */
    public void committed(Checkpoint checkpoint, long nanos) {
        long moved = checkpoint.eventsApplied();
        memberMoved.add(Math.max(0, moved - eventsMoved));
        eventsMoved = moved;
        eventsFailed = checkpoint.eventsFailed();
        lastCommitNanos = nanos;
        double seconds = nanos / 1e9;
        synchronized (commitCounts) {
            commitCounts[CommitTimes.bucketOf(seconds)]++;
            commitSeconds += seconds;
        }
    }

    /** Events waiting in the source and the event time of the oldest (0: none waits). */
    public void lag(long events, long oldestMillis) {
        lagEvents = events;
        oldestWaitingMillis = oldestMillis;
    }

    /** Since when the session waits for a seq an open application transaction holds (0: it waits for none). */
    public void held(long sinceMillis) {
        heldSinceMillis = sinceMillis;
    }

    /** Whether the session's last attempt failed (it backs off and retries). */
    public void failing(boolean now) {
        failing = now;
    }

    public String sessionId() {
        return sessionId;
    }

    public long epoch() {
        return epoch;
    }

    public long eventsMoved() {
        return eventsMoved;
    }

    public long eventsFailed() {
        return eventsFailed;
    }

    public long lagEvents() {
        return lagEvents;
    }

    /** Age of the oldest event waiting in the source at {@code nowMillis}, 0 when none waits. */
    public long oldestWaitingAgeMillis(long nowMillis) {
        long oldest = oldestWaitingMillis;
        return oldest == 0 ? 0 : Math.max(0, nowMillis - oldest);
    }

    /** How long the session has waited for a held seq at {@code nowMillis}, 0 when it waits for none. */
    public long gapWaitMillis(long nowMillis) {
        long since = heldSinceMillis;
        return since == 0 ? 0 : Math.max(0, nowMillis - since);
    }

    public boolean failing() {
        return failing;
    }

    /** How long the last batch committed here took from its read to its commit (0: none yet). */
    public long lastCommitNanos() {
        return lastCommitNanos;
    }

    /** The commit times measured here: counts per bucket of {@link CommitTimes#BOUNDS} and their sum. */
    public CommitTimes commitTimes() {
        synchronized (commitCounts) {
            return new CommitTimes(commitCounts, commitSeconds);
        }
    }
}
