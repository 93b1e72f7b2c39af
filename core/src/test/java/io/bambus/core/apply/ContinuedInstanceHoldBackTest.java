package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An event for a continuation token applies to the instance the token continues, so it is held back
 * behind a quarantined event of that instance even when the quarantine commits while the batch waits
 * for the instance's lock (the batch must look for quarantined events after it holds every lock).
 */
class ContinuedInstanceHoldBackTest {

    private static String outcome(Future<Integer> batch) {
        try {
            return "moved " + batch.get();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void anEventForATokenIsHeldBackBehindAQuarantineOfTheContinuedInstanceThatCommittedWhileItWaited() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            try (EventStream events = EventStream.on(bus.source)) {
                events.beginActivity("PurchaseOrder", "po-y").enableContinuation("PurchaseOrder", "po-y", "tok");
            }
            assertEquals(2, bus.moveAll());
            try (EventStream events = EventStream.on(bus.source)) {
                events.updateActivity("PurchaseOrder", "tok", "Quantity", 7);
            }
            SessionMover mover = bus.mover("s1", 10, 100);
            mover.claim();
            // another session holds po-y's lock and quarantines an event of po-y, not yet committed
            try (Connection other = bus.destination.getConnection(); Statement statement = other.createStatement()) {
                other.setAutoCommit(false);
                statement.executeUpdate("INSERT INTO bam_instance_locks (activity, instance_id) VALUES ('PurchaseOrder', 'po-y')"
                        + " ON DUPLICATE KEY UPDATE instance_id = instance_id");
                statement.executeUpdate("INSERT INTO bam_failed_events (session_id, source_seq, batch_no, event_kind, activity,"
                        + " instance_id, payload, event_time, reason, failed_at, target_activity, target_instance) VALUES ('s2', 1,"
                        + " 1, 'UPDATE', 'PurchaseOrder', 'po-y', '', UTC_TIMESTAMP(6), 'poison', UTC_TIMESTAMP(6),"
                        + " 'purchaseorder', 'po-y')");
                ExecutorService thread = Executors.newSingleThreadExecutor();
                Future<Integer> batch = thread.submit(mover::moveBatch);
                thread.shutdown();
                // the batch has locked 'tok' (and looked for quarantined events) and waits for po-y's lock: then the quarantine commits
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (bus.count(bus.destination, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE db = DATABASE()"
                        + " AND info LIKE 'INSERT INTO bam_instance_locks%po-y%'") == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the batch did not come to wait for po-y's lock (done: " + batch.isDone()
                                + (batch.isDone() ? ", " + outcome(batch) : "") + ")");
                    }
                    Thread.sleep(10); // polling for the lock wait, with a deadline
                }
                other.commit();
                assertEquals(1, batch.get(30, TimeUnit.SECONDS));
            }
            assertEquals(0, bus.count(bus.destination, "SELECT COALESCE(Quantity, 0) FROM bam_PurchaseOrder_active"
                    + " WHERE ActivityID = 'po-y'"), "the token's event did not apply past po-y's quarantined event");
            String reason = bus.one(bus.destination, "SELECT reason FROM bam_failed_events WHERE session_id = 's1'");
            assertTrue(reason != null && reason.contains("held behind failed event seq 1"), "held back behind it: " + reason);
        }
    }
}
