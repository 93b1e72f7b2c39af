package io.bambus.grid.runner;

import com.hazelcast.jet.config.JobConfig;
import com.hazelcast.jet.config.JobConfigArguments;
import com.hazelcast.map.IMap;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.config.SessionSettings;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.SourcePools;
import io.bambus.grid.metrics.SessionFigures;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.timeline.TimelineEntry;
import java.util.HashSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * This member's handle on one session it runs under one epoch: hands the session's loop to the
 * member's {@link SessionScheduler}, asks it to stop, and knows how it ended. The placement loop
 * starts a new runner (with a new epoch) when this one has ended and the session is still ours.
 */
public final class SessionRunner {

    private final String sessionId;
    private final long epoch;
    private final SessionSettings settings;
    private final SourceConfig source;
    private final DataSource destination;
    private final IMap<String, SessionRecord> sessions;
    private final Consumer<SessionRunner> onEnd;
    private final BiConsumer<TimelineEntry.Kind, String> timeline;
    private final SessionFigures figures;
    private final CountDownLatch loopClosed = new CountDownLatch(1);

    private volatile SessionScheduler.Slot slot;
    private volatile boolean stopRequested;
    private volatile boolean ended;
    private volatile long fencedBy = -1;
    private volatile boolean fencedWhileRunning;
    private volatile Checkpoint lastCheckpoint;

    public SessionRunner(String sessionId, long epoch, SessionSettings settings, SourceConfig source, DataSource destination,
                         IMap<String, SessionRecord> sessions, Consumer<SessionRunner> onEnd,
                         BiConsumer<TimelineEntry.Kind, String> timeline, SessionFigures figures) {
        this.sessionId = sessionId;
        this.epoch = epoch;
        this.settings = settings;
        this.source = source;
        this.destination = destination;
        this.sessions = sessions;
        this.onEnd = onEnd;
        this.timeline = timeline;
        this.figures = figures;
    }

    /** Schedules the session's loop on this member's session threads; {@code onEnd} runs when it has closed. */
    public void submit(SessionScheduler on) {
        on.add(this);
    }

    /**
     * Member pruning, as Hazelcast's SQL engine uses it: no partition is required, so a job's
     * participants are only the targets of {@code distributeTo} edges. An internal argument, not a
     * public API: {@code SessionSchedulerInProcessTest} fails if an upgrade drops it.
     */
    public static JobConfig localOnly() {
        return new JobConfig().setArgument(JobConfigArguments.KEY_REQUIRED_PARTITIONS, new HashSet<Integer>());
    }

    SessionLoop openLoop(SourcePools sourcePools, ClaimCombiners combiners) {
        if (stopRequested || ended) {
            return null;
        }
        return new SessionLoop(this, settings, source, destination, sessions, sourcePools, combiners);
    }

    SourceConfig source() {
        return source;
    }

    void slot(SessionScheduler.Slot scheduled) {
        slot = scheduled;
    }

    /** The loop has closed (or never opened): the runner has ended. */
    void loopClosed() {
        ended = true;
        loopClosed.countDown();
        onEnd.accept(this);
    }

    void claimed(Checkpoint checkpoint) {
        lastCheckpoint = checkpoint;
    }

    void committed(Checkpoint checkpoint) {
        lastCheckpoint = checkpoint;
    }

    void fenced(long recordedEpoch, boolean whileRunning) {
        fencedWhileRunning = whileRunning;
        fencedBy = recordedEpoch;
    }

    /** Asks the loop to finish its in-flight batch and stop, for {@code reason}; does not wait. */
    public void requestStop(String reason) {
        if (!stopRequested) {
            stopRequested = true;
            timeline.accept(TimelineEntry.Kind.SESSION_STOPPED, reason);
            SessionScheduler.Slot scheduled = slot;
            if (scheduled != null) {
                scheduled.wake();
            }
        }
    }

    /** Records a change of this session in the cluster's timeline. */
    void record(TimelineEntry.Kind kind, String detail) {
        timeline.accept(kind, detail);
    }

    /** Waits until the loop has finished (in-flight batch done, source pool lease returned). */
    public boolean awaitStopped(long timeoutMillis) {
        try {
            return loopClosed.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String sessionId() {
        return sessionId;
    }

    public long epoch() {
        return epoch;
    }

    public boolean ended() {
        return ended;
    }

    /** Whether the runner was asked to stop (it finishes its in-flight batch first). */
    public boolean stopping() {
        return stopRequested;
    }

    /** The destination epoch that fenced this runner off, or -1. */
    public long fencedBy() {
        return fencedBy;
    }

    /** Whether another runner took the session over while this one ran (not merely an old epoch at the first claim). */
    public boolean fencedWhileRunning() {
        return fencedWhileRunning;
    }

    public Checkpoint lastCheckpoint() {
        return lastCheckpoint;
    }

    /** What this member measures of the session (its loop writes them). */
    SessionFigures figures() {
        return figures;
    }
}
