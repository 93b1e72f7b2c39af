package io.bambus.grid.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.time.Duration;

/** The independent check: every committed order arrived exactly once and in order. */
public final class DeliveryCheck {

    private static final String UNMOVED = "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0";

    private DeliveryCheck() {
    }

    /** Waits until the destination has caught up with {@code producer}, then checks every order. */
    public static void assertExactlyOnce(BusEnvironment env, String sessionId, long orders, Duration timeout)
            throws SQLException {
        long events = orders * Producer.EVENTS_PER_ORDER;
        Await.until("session " + sessionId + " to apply " + events + " events", timeout,
                () -> env.applied(sessionId) >= events, () -> "(applied " + env.applied(sessionId) + ")");
        String like = "'" + sessionId + "-%'";
        assertEquals(events, env.applied(sessionId), "events applied for " + sessionId + " (more means duplicates)");
        assertEquals(0, env.query(env.destination, "SELECT COUNT(*) FROM bam_failed_events WHERE session_id = '" + sessionId + "'"),
                "failed events for " + sessionId + " (a duplicate or reordered event fails as 'already completed')");
        assertEquals(orders, env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_completed WHERE ActivityID LIKE " + like),
                "completed orders of " + sessionId);
        assertEquals(orders, env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_completed WHERE Step = 2 AND Customer IS NOT NULL"
                + " AND ActivityID LIKE " + like), "orders of " + sessionId + " whose events all applied in order");
        assertEquals(0, env.query(env.destination, "SELECT COUNT(*) FROM bam_Order_active WHERE ActivityID LIKE " + like),
                "orders of " + sessionId + " left active");
        // the source is marked right after the destination commit: the last batch's mark may be in flight
        Await.until("every event of " + sessionId + " marked moved in the source", timeout,
                () -> env.count(env.sources.get(sessionId), UNMOVED) == 0,
                () -> "(" + env.count(env.sources.get(sessionId), UNMOVED) + " still unmarked)");
    }

}
