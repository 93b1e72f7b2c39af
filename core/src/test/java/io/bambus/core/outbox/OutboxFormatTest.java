package io.bambus.core.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bambus.core.schema.OutboxFormat;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outboxes created before 2026-12 (nullable moved columns) keep working, and convert in place. */
class OutboxFormatTest {

    /** The outbox DDL as it was before moved_batch and moved_at became NOT NULL. */
    private static final String NULLABLE_DDL = """
            CREATE TABLE bam_outbox (
              seq BIGINT NOT NULL AUTO_INCREMENT, kind VARCHAR(32) NOT NULL, activity VARCHAR(255) NOT NULL,
              instance_id VARCHAR(255) NOT NULL, payload MEDIUMBLOB NOT NULL, event_time DATETIME(6) NOT NULL,
              moved_batch BIGINT NULL, moved_at DATETIME(6) NULL,
              PRIMARY KEY (seq), KEY ix_unmoved (moved_batch, seq), KEY ix_moved_at (moved_at)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""";

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        bus.execute(bus.source, "DROP TABLE bam_outbox");
        bus.execute(bus.source, NULLABLE_DDL);
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void anOutboxOfTheOlderLayoutIsMovedMarkedAndPurgedAsBefore() throws Exception {
        produce("a-", 30);
        OutboxReader reader = new OutboxReader(bus.source, OutboxSchema.DEFAULT_TABLE, Duration.ofMillis(300));
        SessionMover mover = new SessionMover(reader, bus.applier("s"), 25, 1);
        mover.claim();
        assertEquals(60, BusFixture.drain(mover));
        assertEquals(60, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE moved_batch > 0 AND moved_at IS NOT NULL"));
        produce("b-", 1);
        assertEquals(2, reader.lag().events(), "rows with NULL are the waiting ones");
        Await.purged(reader, 60);
        assertEquals(2, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE moved_batch IS NULL"), "unmoved rows stay");
    }

    @Test
    void convertingAnOutboxKeepsEveryRowsStateAndTheSessionGoesOnExactlyOnce() throws Exception {
        produce("a-", 30);
        SessionMover before = new SessionMover(new OutboxReader(bus.source, OutboxSchema.DEFAULT_TABLE, Duration.ofDays(1)),
                bus.applier("s"), 25, 1);
        before.claim();
        before.moveBatch();
        before.moveBatch();
        String moved = "SELECT GROUP_CONCAT(CONCAT(seq, ':', moved_batch, '@', moved_at) ORDER BY seq) FROM bam_outbox"
                + " WHERE moved_batch > 0";
        String movedBefore = bus.one(bus.source, moved);
        try (Connection connection = bus.source.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : OutboxSchema.conversion(OutboxSchema.DEFAULT_TABLE)) {
                statement.execute(sql);
            }
        }
        assertEquals(movedBefore, bus.one(bus.source, moved), "moved rows keep their batch and time");
        assertEquals(10, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE moved_batch = 0 AND moved_at = '"
                + OutboxFormat.NOT_MOVED_AT + "'"), "rows not moved take the new layout's values");
        produce("b-", 5); // inserted after the conversion: the new defaults

        // the session resumes under a new runner (a new reader), as after a pause
        SessionMover after = new SessionMover(new OutboxReader(bus.source, OutboxSchema.DEFAULT_TABLE, Duration.ofDays(1)),
                bus.applier("s"), 25, 2);
        after.claim();
        assertEquals(20, BusFixture.drain(after));
        assertEquals(70, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints"), "each event once");
        assertEquals(35, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
        assertEquals(0, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE moved_batch = 0"));
    }

    private void produce(String prefix, int orders) throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < orders; i++) {
                events.beginActivity("PurchaseOrder", prefix + i).updateActivity("PurchaseOrder", prefix + i, "Step", i);
            }
        }
    }

    /** Purges with a deadline: the rows go once the retention has passed. */
    private static final class Await {
        static void purged(OutboxReader reader, int rows) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int purged = 0;
            while (purged < rows && System.nanoTime() < deadline) {
                int n = reader.purge("s", 1, 100);
                purged += n;
                if (n == 0) {
                    Thread.sleep(50); // polling for the retention to pass, with a deadline
                }
            }
            assertEquals(rows, purged, "moved rows purged after the retention");
        }
    }
}
