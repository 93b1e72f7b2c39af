package io.bambus.core.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lag a session publishes comes from one bounded query; the purge knows when its next row is due. */
class OutboxLagTest {

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void lagCountsWaitingEventsExactlyUpToTheLimitAndByTheirSeqSpanAbove() throws Exception {
        OutboxReader reader = bus.reader(Duration.ofHours(1));
        assertEquals(new OutboxReader.Lag(0, null), reader.lag());

        long seed = System.nanoTime();
        int orders = 5 + new Random(seed).nextInt(20);
        System.out.println("OutboxLagTest seed " + seed + ": " + orders + " orders");
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < orders; i++) {
                events.beginActivity("PurchaseOrder", "po-" + i).endActivity("PurchaseOrder", "po-" + i);
            }
        }
        OutboxReader.Lag lag = reader.lag();
        assertEquals(2L * orders, lag.events());
        assertEquals(firstEventTime(), lag.oldestEventTime());

        SessionMover mover = new SessionMover(reader, bus.applier("s1"), 7, 1);
        mover.claim();
        mover.moveBatch();
        assertEquals(2L * orders - 7, reader.lag().events(), "moved events no longer wait");
        BusFixture.drain(mover);
        assertEquals(new OutboxReader.Lag(0, null), reader.lag());

        // above the limit: the span from the oldest waiting seq to the newest, never less than the limit
        int many = OutboxReader.EXACT_LAG_LIMIT + 50;
        try (Connection connection = bus.source.getConnection()) {
            connection.setAutoCommit(false);
            try (EventStream events = EventStream.on(connection).flushThreshold(2_000)) {
                for (int i = 0; i < many; i++) {
                    events.beginActivity("PurchaseOrder", "bulk-" + i);
                }
            }
            connection.commit();
        }
        long estimated = reader.lag().events();
        // the count stops at the limit + 1; only the seq span reaches past it
        assertTrue(estimated >= many, "lag " + estimated + " for " + many + " waiting events");
    }

    @Test
    void purgeKnowsWhenItsOldestMovedRowPassesTheRetention() throws Exception {
        Duration retention = Duration.ofHours(1);
        OutboxReader reader = bus.reader(retention);
        assertEquals(-1, reader.purgeDueInMillis(), "nothing moved: nothing will be due");
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "po-1");
        }
        assertEquals(-1, reader.purgeDueInMillis(), "an unmoved row is never purged");
        SessionMover mover = new SessionMover(reader, bus.applier("s1"), 10, 1);
        mover.claim();
        BusFixture.drain(mover);
        long dueIn = reader.purgeDueInMillis();
        assertTrue(dueIn > retention.toMillis() - 60_000 && dueIn <= retention.toMillis(), "due in about an hour: " + dueIn);
        assertEquals(-1, bus.reader(Duration.ZERO).purgeDueInMillis(), "no retention: acknowledge deletes, nothing to purge");
    }

    private LocalDateTime firstEventTime() throws Exception {
        try (Connection connection = bus.source.getConnection();
             var statement = connection.createStatement();
             var row = statement.executeQuery("SELECT event_time FROM bam_outbox ORDER BY seq LIMIT 1")) {
            row.next();
            return row.getObject(1, LocalDateTime.class);
        }
    }
}
