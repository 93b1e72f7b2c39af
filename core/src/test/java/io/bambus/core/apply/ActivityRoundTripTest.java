package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bambus.core.event.EventStream;
import io.bambus.core.testing.BusFixture;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ActivityRoundTripTest {

    private BusFixture bus;

    @BeforeEach
    void setUp() throws Exception {
        bus = new BusFixture();
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }


    private void move() throws Exception {
        bus.moveAll();
    }

    @Test
    void everyItemTypeRoundTripsAndEndMovesTheInstanceToCompleted() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "po-1")
                    .updateActivity("PurchaseOrder", "po-1",
                            "Received", Instant.parse("2026-11-23T10:15:30.123456Z"),
                            "Customer", "Ünïcødé ✓ Acme",
                            "Quantity", 42,
                            "Amount", new BigDecimal("12345678.91"),
                            "Weight", 2.5,
                            "DueDate", OffsetDateTime.of(2026, 12, 1, 9, 0, 0, 0, ZoneOffset.ofHours(2)))
                    .beginActivity("PurchaseOrder", "po-2")
                    .updateActivity("PurchaseOrder", "po-2", "Customer", "Still open", "Quantity", -7)
                    .updateActivity("PurchaseOrder", "po-1", "Shipped", Instant.parse("2026-11-24T00:00:00Z"))
                    .endActivity("PurchaseOrder", "po-1");
        }
        move();

        String completed = "SELECT CONCAT_WS('|', Received, Shipped, Customer, Quantity, Amount, Weight, DueDate)"
                + " FROM bam_PurchaseOrder_completed WHERE ActivityID = 'po-1'";
        assertEquals("2026-11-23 10:15:30.123456|2026-11-24 00:00:00.000000|Ünïcødé ✓ Acme|42|12345678.91|2.5"
                + "|2026-12-01 07:00:00.000000", bus.one(bus.destination, completed));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-1'"));
        assertEquals("Still open|-7|0", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', Customer, Quantity, IsComplete) FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-2'"));
        assertEquals(2, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_all_instances"));
        assertEquals(6, bus.count(bus.destination, "SELECT events_applied FROM bam_checkpoints WHERE session_id = 's1'"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"));
    }

    @Test
    void updateBeforeBeginCreatesTheInstanceAndBeginKeepsItsItems() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "early", "Customer", "first");
        }
        move();
        assertEquals("first", bus.one(bus.destination, "SELECT Customer FROM bam_PurchaseOrder_active WHERE ActivityID = 'early'"));
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "early").updateActivity("PurchaseOrder", "early", "Quantity", 3);
        }
        move();
        assertEquals("first|3", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', Customer, Quantity) FROM bam_PurchaseOrder_active WHERE ActivityID = 'early'"));
    }

    @Test
    void continuationRedirectsEventsAndTheInstanceCompletesWhenEveryPartHasEnded() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "po-9")
                    .enableContinuation("PurchaseOrder", "po-9", "warehouse-123")
                    .endActivity("PurchaseOrder", "po-9");
        }
        move();
        // the main part ended, the continuation is open: still active, flagged complete-pending
        assertEquals("1", bus.one(bus.destination, "SELECT IsComplete FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-9'"));
        assertEquals("po-9", bus.one(bus.destination,
                "SELECT ActivityID FROM bam_PurchaseOrder_continuations WHERE ContinuationToken = 'warehouse-123'"));

        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "warehouse-123", "Shipped", Instant.parse("2026-11-25T08:00:00Z"), "Quantity", 5)
                    .endActivity("PurchaseOrder", "warehouse-123");
        }
        move();
        assertEquals("2026-11-25 08:00:00.000000|5", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', Shipped, Quantity) FROM bam_PurchaseOrder_completed WHERE ActivityID = 'po-9'"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
        assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_continuations"));
        // the token never became an instance of its own
        assertNull(bus.one(bus.destination, "SELECT ActivityID FROM bam_PurchaseOrder_all_instances WHERE ActivityID = 'warehouse-123'"));
    }

    @Test
    void continuationInsideOneBatchResolvesToTheMainInstance() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "po-10")
                    .enableContinuation("PurchaseOrder", "po-10", "tok-10")
                    .updateActivity("PurchaseOrder", "tok-10", "Customer", "via token")
                    .endActivity("PurchaseOrder", "tok-10")
                    .endActivity("PurchaseOrder", "po-10");
        }
        move();
        assertEquals("via token", bus.one(bus.destination, "SELECT Customer FROM bam_PurchaseOrder_completed WHERE ActivityID = 'po-10'"));
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_all_instances"));
    }

    @Test
    void referencesAndRelatedActivitiesAreRecorded() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "po-3")
                    .addReference("PurchaseOrder", "po-3", "Document", "Invoice", "INV-77", "long text ".repeat(100))
                    .addRelatedActivity("PurchaseOrder", "po-3", "Shipment", "sh-1")
                    .beginActivity("Shipment", "sh-1")
                    .updateActivity("Shipment", "sh-1", "Carrier", "DHL")
                    .addRelatedActivity("Shipment", "sh-1", "PurchaseOrder", "po-3");
        }
        move();
        assertEquals("Document|Invoice|INV-77|1000", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', ReferenceType, ReferenceName, ReferenceData, LENGTH(LongReferenceData))"
                        + " FROM bam_PurchaseOrder_relationships WHERE ReferenceType = 'Document'"));
        assertEquals("Activity|Shipment|sh-1", bus.one(bus.destination,
                "SELECT CONCAT_WS('|', ReferenceType, ReferenceName, ReferenceData) FROM bam_PurchaseOrder_relationships"
                        + " WHERE ActivityID = 'po-3' AND ReferenceType = 'Activity'"));
        assertEquals("po-3", bus.one(bus.destination,
                "SELECT ReferenceData FROM bam_Shipment_relationships WHERE ActivityID = 'sh-1'"));
        assertEquals("DHL", bus.one(bus.destination, "SELECT Carrier FROM bam_Shipment_active WHERE ActivityID = 'sh-1'"));
    }

    @Test
    void eventsWrittenOnTheApplicationsConnectionFollowItsTransaction() throws Exception {
        try (Connection app = bus.source.getConnection()) {
            app.setAutoCommit(false);
            EventStream.on(app).beginActivity("PurchaseOrder", "rolled-back").close();
            app.rollback();
            EventStream.on(app).beginActivity("PurchaseOrder", "committed").close();
            app.commit();
        }
        move();
        assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active"));
        assertEquals("committed", bus.one(bus.destination, "SELECT ActivityID FROM bam_PurchaseOrder_active"));
    }

    @Test
    void beganAtKeepsTheEarliestEventTimeWhateverOrderTheEventsArriveIn() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "po-1").updateActivity("PurchaseOrder", "po-1", "Customer", "a");
        }
        // the second event carries the earlier time (an application clock, a late commit)
        bus.execute(bus.source, "UPDATE bam_outbox SET event_time = IF(kind = 'BEGIN', '2026-01-01 10:00:00',"
                + " '2026-01-01 09:00:00')");
        move();
        String began = "SELECT CONCAT_WS('|', BeganAt, LastModified) FROM bam_PurchaseOrder_active WHERE ActivityID = 'po-1'";
        assertEquals("2026-01-01 09:00:00.000000|2026-01-01 09:00:00.000000", bus.one(bus.destination, began));

        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "po-1", "Customer", "b");
        }
        bus.execute(bus.source, "UPDATE bam_outbox SET event_time = '2026-01-01 11:00:00' WHERE COALESCE(moved_batch, 0) = 0");
        move();
        assertEquals("2026-01-01 09:00:00.000000|2026-01-01 11:00:00.000000", bus.one(bus.destination, began),
                "a later event keeps BeganAt");

        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "po-1", "Customer", "c");
        }
        bus.execute(bus.source, "UPDATE bam_outbox SET event_time = '2026-01-01 08:00:00' WHERE COALESCE(moved_batch, 0) = 0");
        move();
        assertEquals("2026-01-01 08:00:00.000000|2026-01-01 08:00:00.000000", bus.one(bus.destination, began),
                "an earlier event in a later batch moves BeganAt back");
    }

    @Test
    void aRowFromBeforeBeganAtCountsFromItsLastModified() throws Exception {
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "old");
        }
        move();
        bus.execute(bus.destination, "UPDATE bam_PurchaseOrder_active SET BeganAt = NULL, LastModified = '2020-05-05 05:05:05'");
        try (EventStream events = EventStream.on(bus.source)) {
            events.updateActivity("PurchaseOrder", "old", "Customer", "x");
        }
        move();
        assertEquals("2020-05-05 05:05:05.000000", bus.one(bus.destination,
                "SELECT CONCAT(BeganAt) FROM bam_PurchaseOrder_active WHERE ActivityID = 'old'"));
    }

    @Test
    void aTableWithoutBeganAtStillTakesEventsUntilADeployAddsIt() throws Exception {
        // a deployment from before BeganAt whose upgrade deploy was refused or failed: the bus must not stop
        bus.execute(bus.destination, "ALTER TABLE bam_PurchaseOrder_active DROP KEY ix_began, DROP COLUMN BeganAt");
        try (EventStream events = EventStream.on(bus.source)) {
            events.beginActivity("PurchaseOrder", "legacy").updateActivity("PurchaseOrder", "legacy", "Customer", "x");
        }
        move();
        assertEquals("x", bus.one(bus.destination, "SELECT Customer FROM bam_PurchaseOrder_active WHERE ActivityID = 'legacy'"));
    }
}
