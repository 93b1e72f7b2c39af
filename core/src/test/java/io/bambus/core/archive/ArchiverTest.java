package io.bambus.core.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.schema.ActivityDeployer;
import io.bambus.core.event.EventStream;
import io.bambus.core.runner.SessionMover;
import io.bambus.core.testing.BusFixture;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ArchiverTest {

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
        try (EventStream events = EventStream.on(bus.source)) {
            for (int i = 0; i < 10; i++) {
                events.beginActivity("PurchaseOrder", "po-" + i).updateActivity("PurchaseOrder", "po-" + i, "Customer", "c" + i)
                        .endActivity("PurchaseOrder", "po-" + i);
            }
            events.beginActivity("PurchaseOrder", "open");
        }
        SessionMover mover = bus.mover("s1", 1, 100);
        mover.claim();
        BusFixture.drain(mover);
        // six instances completed long ago
        bus.execute(bus.destination, "UPDATE bam_PurchaseOrder_completed SET LastModified = '2020-01-01 00:00:00'"
                + " WHERE ActivityID IN ('po-0', 'po-1', 'po-2', 'po-3', 'po-4', 'po-5')");
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void onlyCompletedInstancesPastTheWindowMoveInBatchesAndTheViewKeepsTheOnlineWindow() throws Exception {
        Map<String, Long> moved = new Archiver(bus.destination).archive(Duration.ofDays(1), 4, () -> true);
        assertEquals(6L, moved.get("PurchaseOrder"));
        assertEquals(4, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_completed"));
        assertEquals(6, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_archive"));
        assertEquals("c3", bus.one(bus.destination, "SELECT Customer FROM bam_PurchaseOrder_archive WHERE ActivityID = 'po-3'"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_completed WHERE ActivityID = 'po-3'"));
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"), "active instances stay");
        assertEquals(5, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_all_instances"),
                "the view answers for the online window: 4 completed and 1 active");
        assertEquals(0L, new Archiver(bus.destination).archive(Duration.ofDays(1), 4, () -> true).get("PurchaseOrder"),
                "a second run finds nothing more");
    }

    @Test
    void aDeploymentFromBeforeArchivingGetsItsArchiveTable() throws Exception {
        bus.execute(bus.destination, "DROP TABLE bam_PurchaseOrder_archive");
        var plan = new ActivityDeployer(bus.destination).plan(bus.definitions);
        assertTrue(plan.stream().anyMatch(s -> s.contains("CREATE TABLE IF NOT EXISTS `bam_PurchaseOrder_archive`")), plan.toString());
        new ActivityDeployer(bus.destination).deploy(bus.definitions);
        assertEquals(6L, new Archiver(bus.destination).archive(Duration.ofDays(1), 100, () -> true).get("PurchaseOrder"));
    }
}
