package io.bambus.core.outbox;

import io.bambus.core.config.SessionSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The bus never waits on, blocks or deadlocks an application transaction, and the order it applies
 * one instance's events in is seq order, not commit order (issue 13, 2 and 5).
 */
class OpenApplicationTransactionTest {

    private static final long GAP_WAIT_MILLIS = 2_000;
    private static final long HOLD_MILLIS = 30_000;

    private static SessionMover mover(BusFixture bus, long gapWaitMillis) {
        return new SessionMover(bus.reader(Duration.ofDays(1)), bus.applier("s"), 100, SessionSettings.DEFAULT_BATCH_BYTES,
                gapWaitMillis, 1);
    }

    private static void begin(EventStream events, String id) throws java.sql.SQLException {
        events.beginActivity("PurchaseOrder", id);
    }

    @Test
    void anInsertHeldOpenForThirtySecondsHoldsUpNothingAndItsTransactionCommitsNormally() throws Exception {
        try (BusFixture bus = new BusFixture(); Connection app = bus.source.getConnection()) {
            try (EventStream events = EventStream.on(bus.source)) {
                begin(events, "c1");
                begin(events, "c2");
                begin(events, "c3");
            }
            app.setAutoCommit(false);
            long opened = System.nanoTime();
            try (EventStream held = EventStream.on(app)) {
                begin(held, "held");
            }
            try (EventStream events = EventStream.on(bus.source)) {
                begin(events, "c5");
                begin(events, "c6");
            }
            SessionMover mover = mover(bus, GAP_WAIT_MILLIS);
            mover.claim();
            assertEquals(3, mover.moveBatch(), "the rows below the open insert move at once");
            double before = seconds(opened);

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints") < 5 && System.nanoTime() < deadline) {
                if (mover.moveBatch() == 0) {
                    Thread.sleep(50); // the session's poll interval
                }
            }
            double after = seconds(opened);
            assertEquals(5, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"),
                    "every committed event moved while the application transaction is open");
            assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0"));
            System.out.printf("OPEN-TX rows below the open insert moved after %.2f s, rows above it after %.2f s"
                    + " (gap wait %d ms)%n", before, after, GAP_WAIT_MILLIS);
            assertTrue(after * 1000 >= GAP_WAIT_MILLIS, "the session waited for the open insert up to the bound");

            // the application keeps working in its transaction for 30 s while the session polls
            while (System.nanoTime() - opened < HOLD_MILLIS * 1_000_000) {
                assertEquals(0, mover.moveBatch());
                Thread.sleep(200);
            }
            long insertStarted = System.nanoTime();
            try (EventStream held = EventStream.on(app)) {
                begin(held, "held-2");
            }
            app.commit();
            double commitSeconds = seconds(insertStarted);
            System.out.printf("OPEN-TX the application's last insert and commit took %.3f s%n", commitSeconds);
            assertTrue(commitSeconds < 1, "the application never waited on the bus");

            assertEquals(2, BusFixture.drain(mover));
            assertEquals(7, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"));
            assertEquals(7, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
            assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
        }
    }

    @Test
    void withRetentionZeroTheDeleteOfAMovedBatchDoesNotWaitForTheApplicationsNextInsert() throws Exception {
        try (BusFixture bus = new BusFixture(); Connection app = bus.source.getConnection()) {
            try (EventStream events = EventStream.on(bus.source)) {
                begin(events, "z1");
                begin(events, "z2");
                begin(events, "z3");
            }
            app.setAutoCommit(false);
            try (EventStream held = EventStream.on(app)) {
                begin(held, "held"); // the next seq, inserted and not committed
            }
            SessionMover mover = new SessionMover(bus.reader(Duration.ZERO), bus.applier("s"), 100,
                    SessionSettings.DEFAULT_BATCH_BYTES, GAP_WAIT_MILLIS, 1);
            java.util.concurrent.ExecutorService session = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                long started = System.nanoTime();
                java.util.concurrent.Future<Integer> moved = session.submit(() -> {
                    mover.claim();
                    return mover.moveBatch();
                });
                // before: the DELETE … BETWEEN read the held row after the batch and waited for the application (50 s)
                assertEquals(3, moved.get(10, java.util.concurrent.TimeUnit.SECONDS),
                        "the batch below the open insert moved and its rows were deleted while the application's transaction is open");
                System.out.printf("OPEN-TX retention 0: batch moved and deleted after %.2f s with the next insert open%n",
                        seconds(started));
                assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE instance_id LIKE 'z%'"),
                        "the moved rows are gone");
            } finally {
                session.shutdownNow();
            }
            app.commit();
            assertEquals(1, BusFixture.drain(mover));
            assertEquals(4, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
            assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox"));
        }
    }

    @Test
    void oneInstanceFollowsSeqOrderWhenALaterSeqCommitsFirstAndAReplayReachesTheSameTables() throws Exception {
        try (BusFixture bus = new BusFixture(); Connection t1 = bus.source.getConnection()) {
            t1.setAutoCommit(false);
            try (EventStream first = EventStream.on(t1)) {
                first.beginActivity("PurchaseOrder", "po-x").updateActivity("PurchaseOrder", "po-x", "Step", 1);
            }
            try (EventStream second = EventStream.on(bus.source)) {
                second.updateActivity("PurchaseOrder", "po-x", "Step", 2).endActivity("PurchaseOrder", "po-x");
            }
            SessionMover mover = mover(bus, 10_000);
            mover.claim();
            assertEquals(0, mover.moveBatch(), "the later seqs wait while the earlier transaction is open");
            assertTrue(mover.gapAgeMillis() >= 0);
            t1.commit();
            assertEquals(4, BusFixture.drain(mover));

            assertEquals(2, bus.count(bus.destination,
                    "SELECT Step FROM bam_PurchaseOrder_completed WHERE ActivityID = 'po-x'"));
            assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
            String original = bus.dumpDestination();
            try (BusFixture replay = new BusFixture()) {
                replay.execute(replay.source, "INSERT INTO bam_outbox SELECT seq, kind, activity, instance_id, payload,"
                        + " event_time, DEFAULT(moved_batch), DEFAULT(moved_at) FROM `" + bus.sourceDb + "`.bam_outbox");
                SessionMover replayMover = replay.mover("s", 1, 100);
                replayMover.claim();
                BusFixture.drain(replayMover);
                assertEquals(original, replay.dumpDestination(), "a replay of the same outbox yields identical tables");
            }
        }
    }

    @Test
    void aTransactionOpenLongerThanTheBoundIsPassedAndAppliedWhenItCommits() throws Exception {
        try (BusFixture bus = new BusFixture(); Connection app = bus.source.getConnection()) {
            app.setAutoCommit(false);
            try (EventStream held = EventStream.on(app)) {
                begin(held, "slow");
            }
            try (EventStream events = EventStream.on(bus.source)) {
                begin(events, "fast");
            }
            SessionMover mover = mover(bus, 300);
            mover.claim();
            long started = System.nanoTime();
            long deadline = started + Duration.ofSeconds(10).toNanos();
            int moved = 0;
            while (moved == 0 && System.nanoTime() < deadline) {
                moved = mover.moveBatch();
                if (moved == 0) {
                    Thread.sleep(50);
                }
            }
            assertEquals(1, moved);
            assertTrue(seconds(started) >= 0.3, "moved on only after the bound");
            app.commit();
            assertEquals(1, BusFixture.drain(mover), "the late seq is applied when it commits");
            assertEquals(2, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }
}
