package io.bambus.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bambus.core.event.EventStream;
import io.bambus.core.testing.BusFixture;
import org.junit.jupiter.api.Test;

/**
 * The destination compares instance ids as its collation does (no letter case, accents or trailing
 * spaces), Java exactly: an event whose id matches a stored instance only by the collation is
 * quarantined with the reason, and the stored instance keeps its values (it was overwritten with
 * NULLs, or completed under the other spelling while its active row stayed).
 */
class InstanceIdCollationTest {

    @Test
    void anIdThatMatchesAStoredInstanceOnlyWithoutLetterCaseIsQuarantinedAndTheInstanceKept() throws Exception {
        try (BusFixture bus = new BusFixture()) {
            try (EventStream events = EventStream.on(bus.source)) {
                events.beginActivity("PurchaseOrder", "Order-1").updateActivity("PurchaseOrder", "Order-1", "Quantity", 5);
            }
            assertEquals(2, bus.moveAll());
            try (EventStream events = EventStream.on(bus.source)) {
                events.updateActivity("PurchaseOrder", "order-1", "Customer", "Ada").endActivity("PurchaseOrder", "order-1");
                events.beginActivity("PurchaseOrder", "other");
            }
            assertEquals(3, bus.moveAll());
            assertEquals(5, bus.count(bus.destination, "SELECT Quantity FROM bam_PurchaseOrder_active WHERE ActivityID = 'Order-1'"),
                    "the stored instance keeps its values");
            assertEquals(0, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_completed"),
                    "nothing completed under the other spelling");
            assertEquals(1, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_PurchaseOrder_active WHERE ActivityID = 'other'"),
                    "the batch's other events apply");
            assertEquals(2, bus.count(bus.destination, "SELECT COUNT(*) FROM bam_failed_events"), "both events of 'order-1'");
            String reason = bus.one(bus.destination, "SELECT reason FROM bam_failed_events ORDER BY id LIMIT 1");
            assertTrue(reason.contains("differs only in letter case, accents or trailing spaces"), reason);
        }
    }
}
