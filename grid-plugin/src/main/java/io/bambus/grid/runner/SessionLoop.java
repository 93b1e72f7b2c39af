package io.bambus.grid.runner;

import io.bambus.core.apply.Applier;
import io.bambus.core.session.Checkpoint;
import io.bambus.core.session.CheckpointMismatchException;
import io.bambus.core.session.StaleEpochException;
import io.bambus.core.config.SessionSettings;
import io.bambus.core.config.SourceConfig;
import io.bambus.core.db.SourcePools;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.runner.SessionMover;
import io.bambus.grid.Callbacks;
import io.bambus.grid.metrics.SessionFigures;
import io.bambus.grid.session.CommitTimes;
import io.bambus.grid.session.RecordFailure;
import io.bambus.grid.session.RecordProgress;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.timeline.TimelineEntry;
import com.hazelcast.map.IMap;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One running session under one epoch: claim, then move batches, with bounded exponential back-off
 * while the source or destination is unreachable. {@link #step()} does a bounded amount of work
 * (one batch) and never waits: it says when it is due again, and the {@link SessionScheduler}
 * runs it then on one of the member's session threads. An idle session polls less and less often
 * (from {@code pollIntervalMillis} up to {@code idlePollMaxMillis}); one that finds events polls
 * again at once. Holds a lease on its server's shared source pool and returns it at close.
 *
 * <p>A little over the project's ~300 lines: one step's state machine (claim, batch, idle back-off,
 * failure back-off, lag, purge, the record's mirror) shares its timers; split, each part would need
 * the others' fields.
 */
public final class SessionLoop implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(SessionLoop.class);
    /** What {@link #step()} returns when the loop is finished for good. */
    static final long FINISHED = -1;
    private static final long FIRST_BACKOFF_MILLIS = 250;
    private static final long PUBLISH_INTERVAL_MILLIS = 250;
    /**
     * How long an outbox must stay empty before polls back off: a pause in a steady load (a slow
     * commit, a GC) must not cost the next events the doubled waits (Latency benchmark: p99 457 ms).
     */
    static final long IDLE_GRACE_MILLIS = 1_000;
    /**
     * How often the lag (events waiting in the source) is measured while the session moves events or
     * waits for a held seq: one indexed query. An empty poll shows it is zero without one.
     */
    private static final long LAG_INTERVAL_MILLIS = 2_000;
    /**
     * Moved rows past the retention are purged {@value #PURGE_BATCH} rows a statement, at most this
     * often; between purges the session waits until its oldest moved row passes the retention.
     */
    static final long PURGE_INTERVAL_MILLIS = 10_000;
    static final int PURGE_BATCH = 1_000;
    /** Longest purge run between two batches, so a backlog of old rows never holds events up for long. */
    private static final long PURGE_SLICE_MILLIS = 250;

    private final SessionRunner runner;
    private final SessionSettings settings;
    private final SourceConfig source;
    private final IMap<String, SessionRecord> sessions;
    private final SourcePools.Lease sourcePool;
    private final OutboxReader reader;
    private final Applier applier;

    private final SessionMover mover;
    private final SessionFigures figures;
    /** Read by the scheduler too (claims go first): volatile. */
    private volatile boolean claimed;
    private int failures;
    private long nextAttemptMillis;
    private long idleUntilMillis;
    /** The wait before the next poll while the outbox stays empty: doubles from pollIntervalMillis to idlePollMaxMillis. */
    private long idleWaitMillis;
    /** Since when every poll found the outbox empty (0: the last one found events). */
    private long idleSinceMillis;
    private long lastPublishMillis;
    private volatile boolean unpublished;
    /** The record update on its way, if any. */
    private java.util.concurrent.CompletableFuture<SessionRecord> inFlight;
    private long nextLagMillis;
    private long nextPurgeMillis;
    private long lagEvents;
    private long oldestWaitingMillis;
    /** Since when the session waits for a seq an open application transaction holds (0: it waits for none). */
    private long heldSinceMillis;
    /** Commit times not yet published to the record. */
    private CommitTimes newCommitTimes = CommitTimes.EMPTY;

    SessionLoop(SessionRunner runner, SessionSettings settings, SourceConfig source, DataSource destination,
                IMap<String, SessionRecord> sessions, SourcePools sourcePools, ClaimCombiners combiners) {
        this.runner = runner;
        this.settings = settings;
        this.source = source;
        this.sessions = sessions;
        this.sourcePool = sourcePools.acquire(source.id(), source.database());
        try {
            this.reader = new OutboxReader(sourcePool.pool(), sourcePool.database(), source.outboxTable(), settings.retention());
        } catch (RuntimeException e) {
            sourcePool.release().run();
            throw e;
        }
        this.applier = new Applier(destination, runner.sessionId());
        this.mover = new SessionMover(reader, applier, settings.batchSize(), settings.batchBytes(), settings.gapWaitMillis(),
                runner.epoch(), combiners.of(destination, sourcePool));
        this.figures = runner.figures();
    }

    /**
     * Does a bounded amount of work without waiting; returns when it is due again (epoch millis, at
     * once when not in the future), or {@link #FINISHED} when this loop is finished for good.
     */
    public long step() {
        if (runner.stopping()) {
            publish(true);
            return FINISHED;
        }
        long now = System.currentTimeMillis();
        long due = Math.max(nextAttemptMillis, idleUntilMillis);
        if (now < due) {
            return due;
        }
        try {
            if (!claimed) {
                Checkpoint checkpoint = mover.claim();
                claimed = true;
                LOG.info("Session '{}' running on this member with epoch {} from checkpoint batch {} (max seq {})",
                        runner.sessionId(), runner.epoch(), checkpoint.batchNo(), checkpoint.maxSeq());
                runner.claimed(checkpoint);
                figures.claimed(runner.epoch(), checkpoint);
                unpublished = true; // the record shows the claimed checkpoint at once (the CLI waits for it)
                runner.record(TimelineEntry.Kind.SESSION_STARTED, "epoch " + runner.epoch() + ", from batch "
                        + checkpoint.batchNo());
                if (nextPurgeMillis == 0) {
                    // the first purge comes within one interval, spread: a thousand sessions starting at once
                    // (or taken over after a loss) do not all purge together with their claims
                    nextPurgeMillis = System.currentTimeMillis()
                            + java.util.concurrent.ThreadLocalRandom.current().nextLong(PURGE_INTERVAL_MILLIS);
                }
                if (failures == 0) {
                    // a failing session's record says RUNNING again only when a batch works
                    publish(true);
                }
                // the first batch is the next step: sessions waiting for their claims (a member's loss, a start) go first
                return 0;
            }
            long started = System.nanoTime();
            int moved = mover.moveBatch();
            // recovered only when a batch (or an empty poll) works: a claim that works before a batch that
            // fails again must not reset the back-off to its first step
            recovered();
            long gapAge = mover.gapAgeMillis();
            measureLag(moved == 0 && !mover.waitsForHeldSeq());
            long held = gapAge == 0 ? 0 : System.currentTimeMillis() - gapAge;
            if ((held == 0) != (heldSinceMillis == 0)) {
                heldSinceMillis = held;
                unpublished = true;
            }
            figures.held(heldSinceMillis);
            if (moved > 0) {
                long took = System.nanoTime() - started;
                newCommitTimes = newCommitTimes.plus(took / 1e9);
                unpublished = true;
                runner.committed(mover.checkpoint());
                figures.committed(mover.checkpoint(), took);
                publish(false);
                idleWaitMillis = 0;
                idleSinceMillis = 0;
                // these rows pass the retention then: purge no later
                nextPurgeMillis = Math.min(nextPurgeMillis, System.currentTimeMillis() + settings.retention().toMillis());
            } else {
                publish(true);
                // a held seq is waited for at the base interval; an outbox empty for a while is polled less and less often
                long now2 = System.currentTimeMillis();
                if (idleSinceMillis == 0) {
                    idleSinceMillis = now2;
                }
                boolean backOff = !mover.waitsForHeldSeq() && now2 - idleSinceMillis >= IDLE_GRACE_MILLIS;
                idleWaitMillis = !backOff || idleWaitMillis == 0 ? settings.pollIntervalMillis()
                        : Math.min(settings.idlePollMaxMillis(), idleWaitMillis * 2);
                // backed-off polls spread over ±25 %: sessions that went idle together (thousands claimed at once
                // after a member's loss) would otherwise poll together, every interval, in a burst the server queues
                long jitter = backOff ? java.util.concurrent.ThreadLocalRandom.current().nextLong(idleWaitMillis / 2 + 1)
                        - idleWaitMillis / 4 : 0;
                idleUntilMillis = now2 + idleWaitMillis + jitter;
            }
            purgeIfDue();
            return moved > 0 ? 0 : idleUntilMillis;
        } catch (StaleEpochException fenced) {
            if (claimed) {
                LOG.warn("Session '{}' stops on this member: {}", runner.sessionId(), fenced.getMessage());
            } else {
                // the record's epoch is behind the destination's (a restarted cluster, a recreated record): expected
                LOG.info("Session '{}': the destination has recorded epoch {} (from an earlier run or owner); taking the next"
                        + " epoch above it", runner.sessionId(), fenced.recordedEpoch());
            }
            runner.fenced(fenced.recordedEpoch(), claimed);
            return FINISHED;
        } catch (CheckpointMismatchException mismatch) {
            LOG.warn("Session '{}': {}", runner.sessionId(), mismatch.getMessage());
            claimed = false;
            return 0;
        } catch (Exception e) {
            failed(e);
            return nextAttemptMillis;
        }
    }

    /** Deletes moved rows older than the retention, in batches, for at most {@value #PURGE_SLICE_MILLIS} ms. */
    private void purgeIfDue() throws java.sql.SQLException {
        long now = System.currentTimeMillis();
        if (now < nextPurgeMillis) {
            return;
        }
        // one indexed read first: a purge is a fenced source transaction (a commit), run only when a row is due
        long dueIn = reader.purgeDueInMillis();
        if (dueIn != 0) {
            // wait until the oldest moved row passes the retention (an idle session purges rarely)
            nextPurgeMillis = dueIn < 0 ? Long.MAX_VALUE : now + Math.max(PURGE_INTERVAL_MILLIS, dueIn);
            return;
        }
        long sliceEnd = now + PURGE_SLICE_MILLIS;
        int purged = 0;
        int rows;
        do {
            rows = reader.purge(runner.sessionId(), runner.epoch(), PURGE_BATCH);
            purged += rows;
        } while (rows == PURGE_BATCH && System.currentTimeMillis() < sliceEnd && !runner.stopping());
        // more due: come back soon rather than in a full interval; otherwise the next round reads when
        nextPurgeMillis = System.currentTimeMillis() + (rows == PURGE_BATCH ? settings.pollIntervalMillis() : PURGE_INTERVAL_MILLIS);
        if (purged > 0) {
            LOG.debug("Session '{}': purged {} outbox rows moved more than {} ago", runner.sessionId(), purged, settings.retention());
        }
    }

    /**
     * The events waiting in the source, for the record: none after a poll that found none (no
     * query), otherwise measured every {@value #LAG_INTERVAL_MILLIS} ms.
     */
    private void measureLag(boolean emptyPoll) throws java.sql.SQLException {
        long now = System.currentTimeMillis();
        long events;
        long oldest;
        if (emptyPoll) {
            events = 0;
            oldest = 0;
            nextLagMillis = 0; // the first batch after an idle spell is measured at once
        } else if (now < nextLagMillis) {
            return;
        } else {
            nextLagMillis = now + LAG_INTERVAL_MILLIS;
            OutboxReader.Lag lag = reader.lag();
            events = lag.events();
            oldest = lag.oldestEventTime() == null ? 0 : lag.oldestEventTime().toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
        }
        figures.lag(events, oldest);
        if (events != lagEvents || oldest != oldestWaitingMillis) {
            lagEvents = events;
            oldestWaitingMillis = oldest;
            unpublished = true;
        }
    }

    private void recovered() {
        if (failures > 0) {
            LOG.info("Session '{}' recovered after {} failed attempts", runner.sessionId(), failures);
            runner.record(TimelineEntry.Kind.SESSION_RECOVERED, "after " + failures + " failed attempts");
            failures = 0;
            figures.failing(false);
        }
    }

    private void failed(Exception e) {
        failures++;
        figures.failing(true);
        claimed = false;
        long backoff = Math.min(settings.maxBackoffMillis(), FIRST_BACKOFF_MILLIS << Math.min(failures - 1, 20));
        nextAttemptMillis = System.currentTimeMillis() + backoff;
        String error = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof java.sql.SQLException sql && sql.getErrorCode() == 1146 && e.getMessage().contains(source.outboxTable())) {
            error += "; create the outbox table in the source (OutboxSchema.ddl, see docs/api.md) or fix sources["
                    + source.id() + "].outboxTable";
        }
        if (failures == 1 || Long.bitCount(failures) == 1) {
            // first failure, then at attempts 2, 4, 8, …: the log shows the outage without a line per retry
            LOG.warn("Session '{}' failing (attempt {}), retrying in {} ms: {}", runner.sessionId(), failures, backoff, error);
        }
        if (failures == 1) {
            runner.record(TimelineEntry.Kind.SESSION_FAILING, error);
        }
        try {
            sessions.submitToKey(runner.sessionId(), new RecordFailure(runner.epoch(), error));
        } catch (RuntimeException recordError) {
            LOG.debug("Session '{}': could not record the failure: {}", runner.sessionId(), recordError.getMessage());
        }
    }

    /**
     * Mirrors the checkpoint and counters into the session record without waiting: the record may
     * live on any member, and one that is cut off must not hold the session up until it is declared
     * dead. One update travels at a time; a failed one is sent again with the next.
     */
    private void publish(boolean force) {
        long now = System.currentTimeMillis();
        if (!unpublished || (!force && now - lastPublishMillis < PUBLISH_INTERVAL_MILLIS)) {
            return;
        }
        Checkpoint checkpoint = mover.checkpoint();
        if (checkpoint == null || (inFlight != null && !inFlight.isDone())) {
            return;
        }
        // marked sent before the update goes: a callback that runs at once (the update already failed) or on
        // another thread before the end of this method must find it so and mark it unsent again
        CommitTimes sending = newCommitTimes;
        lastPublishMillis = now;
        unpublished = false;
        newCommitTimes = CommitTimes.EMPTY;
        try {
            inFlight = sessions.submitToKey(runner.sessionId(), new RecordProgress(runner.epoch(), checkpoint.batchNo(),
                    checkpoint.maxSeq(), checkpoint.eventsApplied(), checkpoint.eventsFailed(), now, lagEvents,
                    oldestWaitingMillis, sending, heldSinceMillis)).toCompletableFuture();
            inFlight.whenCompleteAsync((nothing, error) -> {
                if (error != null) {
                    // the mirror is advisory: the destination holds the checkpoint of record
                    LOG.debug("Session '{}': progress not mirrored: {}", runner.sessionId(), error.getMessage());
                    unpublished = true;
                }
            }, Callbacks.INLINE);
        } catch (RuntimeException e) {
            LOG.debug("Session '{}': progress not mirrored: {}", runner.sessionId(), e.getMessage());
            newCommitTimes = sending; // kept for the next try (this thread alone adds to them)
            unpublished = true;
        }
    }

    /** The session's mover (the scheduler hands first claims to its combiner together). */
    SessionMover mover() {
        return mover;
    }

    /** Whether this loop holds its claim (its session moves batches); false until the first claim and after a failure. */
    boolean claimed() {
        return claimed;
    }

    @Override
    public void close() {
        sourcePool.release().run();
    }
}
