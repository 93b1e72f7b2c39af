package io.bambus.core.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RetentionTest {

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
    void movedRowsStayForTheRetentionPeriodThenGoInSmallBatchesAndUnmovedRowsNeverGo() throws Exception {
        Duration retention = Duration.ofMillis(1500);
        OutboxReader reader = new OutboxReader(bus.source, OutboxSchema.DEFAULT_TABLE, retention);
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < 25; i++) {
                events.beginActivity("PurchaseOrder", "po-" + i);
            }
        }
        SessionMover mover = new SessionMover(reader, bus.applier("s1"), 100, 1);
        mover.claim();
        assertEquals(25, BusFixture.drain(mover));
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "waiting");   // not moved: must survive every purge
        }
        long movedAt = System.nanoTime();
        assertEquals(0, reader.purge("s1", 1, 10), "moved rows younger than the retention stay (replay after a restore)");
        assertEquals(26, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox"));

        int purged = 0;
        int calls = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (purged < 25 && System.nanoTime() < deadline) {
            int rows = reader.purge("s1", 1, 10);
            assertTrue(rows <= 10, "at most one small batch per call");
            purged += rows;
            calls += rows > 0 ? 1 : 0;
            if (rows == 0) {
                Thread.sleep(100); // polling for the retention to pass, with a deadline
            }
        }
        assertTrue(System.nanoTime() - movedAt >= retention.toNanos(), "nothing went before the retention passed");
        assertEquals(25, purged);
        assertEquals(3, calls, "25 rows in batches of 10");
        assertEquals(1, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox WHERE COALESCE(moved_batch, 0) = 0"));
        assertEquals(1, bus.count(bus.source, "SELECT COUNT(*) FROM bam_outbox"));
    }
}
